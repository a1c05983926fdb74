"""The agent console in real headless Chromium: sign in, run a guided call by clicking the
caller's answers, verify, see the case, wrap up; a session that expires mid-call loses
nothing; WCAG 2.1 AA by axe-core."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.support.stack import Stack

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RIVERA = "Rivera, born 03/14/1985, last four 4821"


def sign_in_to_console(page: Page, site: str, stack: Stack) -> None:
    page.goto(site.rstrip("/") + "/agent")
    expect(page).to_have_url(re.compile(r"/login\?next=/agent$"))
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(stack.staff_demo_password())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/agent" in url and "login" not in url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Agent console")


def caller_says(page: Page, text: str, shown: str | None = None) -> None:
    """Types the caller's words; the transcript then shows them (or `shown`)."""
    field = page.get_by_label("What the caller said")
    field.fill(text)
    field.press("Enter")
    expect(page.locator("body")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#transcript li").last).not_to_be_empty()
    expect(page.locator("#transcript")).to_contain_text(shown or text[:20])


def click_answer(page: Page, payload: str) -> None:
    before = page.locator("#transcript li").count()
    page.locator(f'#answers button[data-payload="{payload}"]').click()
    expect(page.locator("#transcript li")).not_to_have_count(before)
    expect(page.locator("body")).not_to_have_attribute("aria-busy", "true")


def audit(page: Page) -> None:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()


def test_an_agent_takes_a_call_from_start_to_wrap_up(page: Page, site: str, stack: Stack) -> None:
    sign_in_to_console(page, site, stack)
    page.get_by_role("button", name="Start a new call").click()
    expect(page.locator("#call-label")).to_have_text("New call")
    audit(page)

    # A guided conversation: the script says what to ask, the caller's answers are buttons.
    caller_says(page, "I'm retiring next year")
    script = page.locator("#script")
    expect(script).to_contain_text("Ask the caller")
    expect(page.locator("#fact-life-experience")).to_have_text("Approaching retirement")
    expect(page.locator("#call-label")).to_contain_text("Call started at")
    expect(page.locator("#call-label")).not_to_contain_text("call-")  # no internal ids
    for _ in range(3):
        if page.locator('#answers button[data-payload="/not_sure"]').count() == 0:
            break
        click_answer(page, "/not_sure")
    expect(script).to_contain_text("Read:")
    expect(page.locator("#transcript")).to_contain_text("Caller:")

    # A status lookup: the checklist first, the case only once the caller is verified.
    caller_says(page, "where is my passport")
    panel = page.get_by_role("region", name="Verification")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("U.S. Department of State")
    done = panel.get_by_role("button", name="Caller verified")
    expect(done).to_be_disabled()
    boxes = panel.get_by_role("checkbox")
    assert boxes.count() >= 2
    labels = panel.locator("label.usa-checkbox__label")  # USWDS draws the box on the label
    for index in range(boxes.count()):
        labels.nth(index).click()
        expect(boxes.nth(index)).to_be_checked()
    expect(done).to_be_enabled()
    done.click()
    expect(panel.get_by_text("Verification complete")).to_be_visible()
    expect(page.locator("#fact-verified")).to_have_text("U.S. Department of State")
    expect(page.get_by_role("region", name="Case")).to_be_hidden()

    caller_says(page, RIVERA, shown="[identity details, not kept]")
    case = page.get_by_role("region", name="Case")
    expect(case).to_be_visible()
    expect(case).to_contain_text("Your passport application is in process")
    expect(case).to_contain_text("1-877-487-2778")
    expect(case.get_by_role("link", name="https://passportstatus.state.gov")).to_have_attribute(
        "rel", "noopener noreferrer"
    )
    expect(page.locator("#transcript")).not_to_contain_text("4821")
    audit(page)

    # Wrap-up: a disposition is required; the note is drafted and can be edited.
    note = page.get_by_label("Call note")
    expect(note).to_have_value(
        re.compile(r"Status lookup \(Check your passport status\): status given")
    )
    page.get_by_role("button", name="Save wrap-up").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose how the call ended")
    page.get_by_label("How the call ended").select_option(label="Resolved on this call")
    note.press("End")
    note.type(" Caller will watch the mail.")
    page.get_by_role("button", name="Save wrap-up").click()
    expect(page.get_by_role("status")).to_contain_text("Wrap-up saved")
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("Wrap-up by Demo Agent:")
    expect(transcript).to_contain_text("Resolved on this call")
    expect(transcript).to_contain_text("Caller will watch the mail.")

    page.reload()  # the call, its case and its wrap-up come back from the server
    expect(page.locator("#transcript")).to_contain_text("Caller will watch the mail.")
    expect(page.get_by_role("region", name="Case")).to_contain_text("in process")


def test_an_expired_session_signs_in_again_without_losing_the_note(
    page: Page, site: str, stack: Stack
) -> None:
    sign_in_to_console(page, site, stack)
    page.get_by_role("button", name="Start a new call").click()
    caller_says(page, "how do I apply for retirement benefits")
    page.get_by_label("How the call ended").select_option(label="Callback needed")
    note = page.get_by_label("Call note")
    note.fill("Call back Tuesday morning about the Medicare sign-up.")

    page.context.clear_cookies()  # the session ends (expiry, or signed out elsewhere)
    page.get_by_role("button", name="Save wrap-up").click()
    dialog = page.get_by_role("dialog", name="Your session expired")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Username")).to_be_focused()
    dialog.get_by_label("Password").fill("wrong password, surely")
    dialog.get_by_label("Username").fill("agent")
    dialog.get_by_role("button", name="Sign in").click()
    expect(dialog.get_by_role("alert")).not_to_be_empty()
    dialog.get_by_label("Password").fill(stack.staff_demo_password())
    dialog.get_by_role("button", name="Sign in").click()

    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_contain_text("Wrap-up saved")
    expect(page.locator("#transcript")).to_contain_text("Call back Tuesday morning")
    expect(note).to_have_value("Call back Tuesday morning about the Medicare sign-up.")
