"""WCAG 2.1 AA and Section 508, as tested properties: axe-core, focus, zoom, small screens."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import audit
from tests.browser.widget import Widget

pytestmark = pytest.mark.integration


def test_axe_finds_no_violation_with_the_widget_open_and_after_a_conversation(
    page: Page, site: str
) -> None:
    page.goto(site)
    audit(page)
    widget = Widget(page)
    widget.open_by_keyboard()
    audit(page)
    widget.say("I was laid off last week and I'm worried about buying groceries")
    while "Not sure" in widget.last_choices():
        widget.choose("Not sure")
    widget.say("<b>not bold</b>")
    page.locator(".cxn-input").fill("x" * 501)
    page.keyboard.press("Enter")  # the inline error state is audited too
    expect(widget.error).not_to_be_empty()
    audit(page)


def test_messages_are_announced_once_through_a_log_region(page: Page, site: str) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    expect(widget.log).to_have_attribute("role", "log")
    widget.say("hello")
    # role=log is polite by default; nothing inside may add a second live region.
    nested = ".cxn-log [aria-live], .cxn-log [role=status], .cxn-log [role=alert]"
    assert page.locator(nested).count() == 0
    expect(page.locator(".cxn-msg--bot .cxn-sr").first).to_have_text("CX Navigator said: ")


def test_every_control_has_a_name_and_visible_focus(page: Page, site: str) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.say("hello")
    controls = page.locator(".cxn button, .cxn textarea, .cxn a")
    for control in controls.all():
        if not control.is_visible() or control.is_disabled():
            continue
        name = control.evaluate(
            "e => e.getAttribute('aria-label') || e.labels?.[0]?.textContent || e.textContent"
        )
        assert name and name.strip(), control.evaluate("e => e.outerHTML")
    widget.input.focus()
    widget.tab_to("the Send button", "e.classList.contains('cxn-send')")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "keyboard focus must be visible"


def test_escape_closes_and_returns_focus_to_the_launcher(page: Page, site: str) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(widget.input).to_be_focused()
    page.get_by_role("button", name="Close chat").click()
    expect(widget.launcher).to_be_focused()


def _fits(page: Page, selector: str) -> None:
    """Every shown control can be scrolled to (the hidden "End chat" question is not shown)."""
    for element in page.locator(selector).filter(visible=True).all():
        element.scroll_into_view_if_needed()
        expect(element).to_be_in_viewport()


def test_usable_at_320_pixels_wide(new_page: Callable[..., Page], site: str) -> None:
    page = new_page(viewport={"width": 320, "height": 640}, reduced_motion="reduce")
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.say("first time leaving the country, need to get a passport")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    box = widget.panel.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320
    _fits(page, ".cxn-input, .cxn-send, .cxn-action, .cxn-close, .cxn-choice")
    animation = page.evaluate(
        "getComputedStyle(document.querySelector('.cxn-dots span')).animationName"
    )
    assert animation == "none", "prefers-reduced-motion stops the typing animation"
    audit(page)


def test_text_at_200_percent_loses_nothing(page: Page, site: str) -> None:
    page.goto(site)
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.say("my dad passed away on sunday")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    _fits(page, ".cxn-input, .cxn-send, .cxn-action, .cxn-close, .cxn-choice")
    overflowing = page.evaluate(
        "[...document.querySelectorAll('.cxn-text')].filter(e => e.scrollWidth > e.clientWidth)"
        ".length"
    )
    assert overflowing == 0, "message text is cut off"
