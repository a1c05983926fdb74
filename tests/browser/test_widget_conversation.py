"""A person on the demo page, keyboard only: a life-experience conversation and a lookup."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.widget import Widget

pytestmark = pytest.mark.integration

PHONE = re.compile(r"\b1-\d{3}-\d{3}-\d{4}\b")


def test_keyboard_only_life_experience_conversation(page: Page, site: str) -> None:
    page.goto(site)
    widget = Widget(page)
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")

    widget.open_by_keyboard()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".cxn-notice")).to_contain_text("Don't share your full Social Security")

    first = widget.say("my wife and I are both retiring next year, what should we be doing")
    expect(widget.user_messages.last).to_have_text(re.compile("retiring next year"))
    expect(first).not_to_be_empty()
    for _ in range(3):
        if "Not sure" not in widget.last_choices():
            break
        widget.choose("Not sure")
        expect(widget.input).to_be_focused()

    what_else = page.locator(".cxn-msg--bot").nth(-2)
    expect(what_else).to_contain_text("What else can I help with")
    assert "Talk to a person" in what_else.locator(".cxn-choice").all_inner_texts()
    expect(widget.bot_messages.last).to_contain_text("would you answer 4 quick questions")
    steps = [text for sender, text in widget.transcript() if sender == "bot" and text[:2] == "1."]
    assert steps, widget.transcript()

    links = page.locator(".cxn-log a[href^='https://']")
    assert links.count() >= 1
    for link in links.all():
        assert link.get_attribute("target") == "_blank"
        assert "noopener" in (link.get_attribute("rel") or "")
        expect(link).to_contain_text("(opens in a new tab)")
    phones = page.locator(".cxn-log a[href^='tel:+1']")
    assert phones.count() >= 1
    assert PHONE.search(phones.first.inner_text())

    times = page.locator(".cxn-msg time")
    assert times.count() == page.locator(".cxn-msg").count()
    assert re.match(r"\d{4}-\d\d-\d\dT", times.first.get_attribute("datetime") or "")

    # The A-11 survey, by keyboard: four statements, then an optional comment.
    expect(widget.choose("Yes, take the survey")).to_contain_text("(OMB) control number 3090-0321")
    for answer in ("Strongly agree", "Agree", "Agree", "Neither agree nor disagree"):
        assert widget.last_choices()[:5] == [
            "Strongly disagree",
            "Disagree",
            "Neither agree nor disagree",
            "Agree",
            "Strongly agree",
        ]
        widget.choose(answer)
    expect(widget.bot_messages.last).to_contain_text("Anything else to tell us")
    expect(widget.say("Clear and quick, thanks")).to_contain_text("Thank you for your feedback")


@pytest.mark.parametrize(
    "messages, expected",
    [
        (
            ["where is my passport", "Rivera", "03/14/1985", "4821"],
            ["in process", "October 2, 2026"],
        ),
        (
            ["check my va claim", "600123456", "Nguyen", "07/04/1979"],
            ["getting records", "Private medical records"],
        ),
        (
            ["how much do I still owe on my student loans", "Okafor", "1994-11-30", "7712"],
            ["MOHELA", "74 of 120", "Income-Based"],
        ),
        (
            ["any update on my farm loan application", "FSA-2026-004417", "Jensen"],
            ["not complete", "Balance sheet"],
        ),
    ],
    ids=["passport", "va_claim", "student_loans", "farm_loan"],
)
def test_keyboard_only_status_lookup(
    page: Page, site: str, messages: list[str], expected: list[str]
) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    for message in messages:
        widget.say(message)
    for snippet in expected:
        expect(widget.log).to_contain_text(snippet)
    # The identity details typed are shown to the person, never kept on the server.
    page.reload()
    expect(widget.panel).to_be_visible()
    expect(widget.log).to_contain_text(expected[0])
    typed = " ".join(widget.user_messages.all_inner_texts())
    assert "[identity details, not kept]" in typed
    for identity in messages[1:]:
        assert identity not in typed


def test_reload_restores_the_conversation_from_the_server(page: Page, site: str) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.say("a tornado tore the roof off our house last night")
    choices = widget.last_choices()
    assert choices, "the bot asks a question with buttons"
    before = widget.transcript()

    page.reload()
    expect(widget.panel).to_be_visible()  # it stays open after a reload
    expect(page.locator(".cxn-msg")).to_have_count(len(before))
    assert widget.transcript() == before
    assert widget.last_choices() == choices  # the open question can still be answered
    stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert stored == "{}", "nothing is kept in localStorage on a shared computer"

    widget.choose(choices[-1])
    expect(page.locator(".cxn-msg--user").last).to_have_text(re.compile(re.escape(choices[-1])))


def test_a_new_page_on_the_site_continues_the_chat(page: Page, site: str) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.say("I need a passport for my newborn")
    count = page.locator(".cxn-msg").count()
    page.get_by_role("link", name="Traveling").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Traveling")
    expect(page.locator(".cxn-msg")).to_have_count(count)
    expect(Widget(page).panel).to_be_visible()


def test_end_chat_asks_the_survey_once_then_forgets_the_conversation(page: Page, site: str) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.say("hello")
    page.evaluate(
        "window.addEventListener('cxnavigator:chat-ended', e => { window.ended = e.detail; })"
    )
    old_session = page.evaluate("sessionStorage.getItem('cxnavigator.session')")
    before = widget.bot_messages.count()
    widget.end_chat()
    expect(widget.wait_for_reply(before)).to_contain_text("(OMB) control number")
    expect(widget.bot_messages.last).to_contain_text("I trust")
    assert widget.last_choices()[-1] == "Skip survey"
    widget.choose("Agree")
    expect(widget.bot_messages.last).to_contain_text("My need was addressed")

    widget.input.focus()
    widget.tab_to(
        "Skip survey",
        "e.classList.contains('cxn-choice') && e.textContent === 'Skip survey'",
        backwards=True,
    )
    page.keyboard.press("Enter")
    expect(widget.status).to_contain_text("Chat ended")
    assert page.evaluate("window.ended.sessionId") == old_session
    assert page.evaluate("sessionStorage.getItem('cxnavigator.session')") != old_session
    page.reload()
    expect(page.locator(".cxn-msg")).to_have_count(0)
    widget.say("hi")
    assert page.evaluate("sessionStorage.getItem('cxnavigator.session')") != old_session


def test_end_chat_twice_ends_at_once(page: Page, site: str) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.say("hello")
    before = widget.bot_messages.count()
    widget.end_chat()
    widget.wait_for_reply(before)
    widget.end_chat()
    expect(widget.status).to_contain_text("Chat ended")
    expect(page.get_by_role("button", name="Start a new chat")).to_be_visible()


def test_talk_to_a_person_puts_the_person_in_line(page: Page, site: str) -> None:
    """In the widget a person joins the line for an agent (tests/browser/test_handoff.py
    follows the chat further); the phone number is what REST clients get."""
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.wait_until_connected()  # over REST the answer is the phone number instead
    widget.tab_to("Talk to a person", "e.textContent === 'Talk to a person'")
    before = widget.bot_messages.count()
    page.keyboard.press("Enter")
    answer = widget.wait_for_reply(before)
    expect(answer).to_contain_text("in line. A person will join this chat")
    expect(widget.status).to_contain_text("in line for a person")


def test_start_over(page: Page, site: str) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.say("we're having a baby in march")
    before = widget.bot_messages.count()
    page.get_by_role("button", name="Start over").click()
    expect(widget.wait_for_reply(before)).to_contain_text("start over")
