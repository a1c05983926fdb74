"""Conversations people finish: the widget on a phone and on a desktop, from the greeting to
the answers kept after "End chat"."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import audit
from tests.browser.widget import Widget

pytestmark = pytest.mark.integration

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# Typed by the person: it must never reach the downloaded answers.
TYPED_NAME = "Zelda Quirke"


def inside_the_screen(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None, f"{selector} is not shown"
    return (
        box["y"] >= 0
        and box["x"] >= 0
        and box["y"] + box["height"] <= size["height"] + 0.5
        and box["x"] + box["width"] <= size["width"] + 0.5
    )


def start_with_a_starting_button(page: Page, widget: Widget) -> str:
    """Open by keyboard, check the greeting, and click its first life experience."""
    widget.open_by_keyboard()
    starters = page.locator(".cxn-welcome .cxn-choice")
    expect(starters).to_have_count(3)
    expect(page.locator(".cxn-welcome")).to_contain_text("Pick one to start")
    title = starters.first.inner_text()
    widget.choose(title)
    expect(widget.user_messages.last).to_have_text(re.compile(re.escape(title)))
    return title


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_header_box_and_actions_stay_while_only_the_messages_scroll(
    new_page: Callable[..., Page], site: str, viewport: dict[str, int]
) -> None:
    page = new_page(viewport=viewport)
    page.goto(site)
    widget = Widget(page)
    start_with_a_starting_button(page, widget)
    # Answered buttons of earlier turns are disabled, the greeting's first.
    for starter in page.locator(".cxn-welcome .cxn-choice").all():
        expect(starter).to_be_disabled()
    while "Not sure" in widget.last_choices():
        widget.choose("Not sure")
    widget.say("thanks")
    enabled = page.locator(".cxn-choice:enabled")
    last_turn = page.locator(".cxn-msg--bot").last.locator(".cxn-choice")
    assert enabled.count() == last_turn.count(), "only the latest turn's buttons still work"

    log = page.locator(".cxn-log")
    assert log.evaluate("e => e.scrollHeight > e.clientHeight"), "the conversation fills the list"
    panel = page.locator(".cxn-panel")
    assert panel.evaluate("e => e.scrollHeight <= e.clientHeight + 1"), "the panel never scrolls"
    log.evaluate("e => { e.scrollTop = 0; }")
    for part in (".cxn-header", ".cxn-input", ".cxn-actions"):
        assert inside_the_screen(page, part), f"{part} is off-screen at {viewport}"
    if viewport == PHONE:
        expect(widget.launcher).to_be_hidden()
        box = panel.bounding_box()
        assert box is not None
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)

    tel = page.locator(".cxn-log a[href^='tel:']").first
    assert tel.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    assert tel.evaluate("e => e.getClientRects().length") == 1, "the number is on one line"
    audit(page)

    widget.page.keyboard.press("Escape")
    expect(widget.launcher).to_be_visible()
    expect(widget.launcher).to_be_focused()


def test_end_chat_asks_first_and_the_answers_can_be_kept_without_what_was_typed(
    page: Page, site: str
) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.say(f"My name is {TYPED_NAME} and I am retiring next year")
    while "Not sure" in widget.last_choices():
        widget.choose("Not sure")
    steps = [text for sender, text in widget.transcript() if sender == "bot" and text[:2] == "1."]
    assert steps, widget.transcript()

    # "End chat" asks first; Escape keeps the chat, focus back on "End chat".
    page.get_by_role("button", name="End chat").click()
    question = page.get_by_role("group", name=re.compile("End this chat"))
    expect(question).to_be_visible()
    expect(page.get_by_role("button", name="Yes, end the chat")).to_be_focused()
    page.keyboard.press("Escape")
    expect(question).to_be_hidden()
    expect(widget.panel).to_be_visible()
    expect(page.get_by_role("button", name="End chat")).to_be_focused()

    # The survey offered after next steps: "Skip survey" is a way out, not an answer.
    expect(widget.choose("Yes, take the survey")).to_contain_text("(OMB) control number")
    expect(widget.bot_messages.last).to_contain_text("I trust")
    skip = page.locator(".cxn-msg--bot").last.get_by_role("button", name="Skip survey")
    answer = page.locator(".cxn-msg--bot").last.get_by_role("button", name="Agree", exact=True)
    look = "e => { const s = getComputedStyle(e); return [s.borderColor, s.textDecorationLine]; }"
    assert skip.evaluate(look) != answer.evaluate(look), "Skip must not look like an answer"
    audit(page)
    widget.choose("Skip survey")
    widget.end_chat()

    expect(widget.status).to_contain_text("Chat ended")
    expect(widget.bot_messages.first).to_be_visible()  # the answers stay on screen
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the answers").click()
    saved = download.value.path()
    assert saved is not None
    text = Path(saved).read_text(encoding="utf-8")
    assert steps[0].splitlines()[0] in text, "the next steps are in the file"
    assert TYPED_NAME not in text and "retiring next year" not in text
    assert download.value.suggested_filename.endswith(".txt")
    audit(page)

    page.get_by_role("button", name="Start a new chat").click()
    expect(page.locator(".cxn-msg")).to_have_count(0)
    expect(page.locator(".cxn-welcome .cxn-choice")).to_have_count(3)
    expect(widget.input).to_be_focused()
