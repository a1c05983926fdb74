"""Warm handoff in two real browsers: a person in the widget asks for a person and waits
in line; an agent in the console sees the chat waiting with its summary, takes it, and
they write to each other; the agent hands the chat back and the assistant answers the
person again. Both pages pass axe-core (WCAG 2.1 AA) with the handoff on screen."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from bot.web.chat import REDACTED_NOTE
from tests.browser.test_agent_console import audit, sign_in_to_console
from tests.browser.widget import BOT_REPLY_TIMEOUT_MS, Widget
from tests.support.stack import Stack

WIDGET_SESSION_KEY = "cxnavigator.session"
BY_ID = "WHERE conversation_id = :c"


def type_in_widget(widget: Widget, text: str) -> None:
    """Send a message that no bot answers (an agent has the chat)."""
    widget.input.fill(text)
    widget.input.press("Enter")
    expect(widget.user_messages.last).to_contain_text(text)


def ask_for_a_person(page: Page, site: str) -> tuple[Widget, str]:
    """In the widget: a first message, then "Talk to a person"; told the place in line."""
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.wait_until_connected()  # over REST the answer is the phone number instead
    widget.say("I'm retiring next year")
    before = widget.bot_messages.count()
    page.get_by_role("button", name="Talk to a person", exact=True).click()
    widget.wait_for_reply(before)
    expect(widget.bot_messages.nth(before)).to_contain_text("in line")
    expect(widget.status).to_contain_text("in line for a person")
    session = page.evaluate(f"sessionStorage.getItem('{WIDGET_SESSION_KEY}')")
    assert session, "the widget keeps its conversation id for the tab"
    return widget, session


def test_a_person_and_an_agent_talk_then_the_assistant_takes_over_again(
    new_page: Callable[..., Page], site: str, stack: Stack
) -> None:
    person_page = new_page(viewport={"width": 1280, "height": 800})
    agent_page = new_page(viewport={"width": 1280, "height": 900})

    # The person asks for a person and is told their place in line.
    widget, session = ask_for_a_person(person_page, site)

    # The agent sees the chat waiting, with its summary, and takes it.
    sign_in_to_console(agent_page, site, stack)
    waiting = agent_page.locator(f'#queue-list li[data-id="{session}"]')
    expect(waiting).to_contain_text("Waiting")
    expect(waiting).to_contain_text("Approaching retirement")
    expect(waiting).to_contain_text("I'm retiring next year")
    audit(agent_page)
    waiting.get_by_role("button", name="Take this chat").click()
    chat = agent_page.get_by_role("region", name="Web chat")
    expect(chat).to_be_visible()
    expect(agent_page.locator("#chat-transcript")).to_contain_text("I'm retiring next year")
    expect(waiting).to_have_count(0)

    # The person is told, and the two write to each other.
    expect(widget.log).to_contain_text("Demo Agent joined the chat.")
    agent_page.get_by_label("Message to the person").fill("Hello, I'm Dana. How can I help?")
    agent_page.get_by_label("Message to the person").press("Enter")
    agent_message = person_page.locator(".cxn-msg--agent").last
    expect(agent_message).to_contain_text("Hello, I'm Dana. How can I help?", timeout=30_000)
    expect(agent_message.locator(".cxn-who")).to_have_text("Demo Agent")
    expect(agent_message.locator(".cxn-sr").first).to_have_text("Demo Agent said: ")

    # A date and a phone number reach the person as typed, and the agent sees what they
    # typed; only the stored copy is masked, and after a reload it says so.
    details = "Your appointment is 12/03/2026. We will call you at 202-555-0143."
    expect(agent_page.get_by_label("Message to the person")).to_have_value("")  # sent
    agent_page.get_by_label("Message to the person").fill(details)
    agent_page.get_by_label("Message to the person").press("Enter")
    expect(person_page.locator(".cxn-msg--agent").last).to_contain_text(details, timeout=30_000)
    expect(agent_page.locator("#chat-transcript li").last).to_contain_text(details)
    [stored] = [e for e in stack.tracker(session)["events"] if e["event"] == "bot"][-1:]
    assert stored["text"] == "Your appointment is **/**/****. We will call you at ***-***-0143."
    assert (stored["metadata"]["agent"], stored["metadata"]["redacted"]) == ("Demo Agent", True)
    agent_page.reload()
    saved = agent_page.locator("#chat-transcript li", has_text="Your appointment is")
    expect(saved).to_contain_text("**/**/****")
    expect(saved).to_contain_text(REDACTED_NOTE)
    expect(agent_page.locator("#chat-label")).not_to_contain_text(session)  # no internal ids

    type_in_widget(widget, "When can I start my pension?")
    expect(agent_page.locator("#chat-transcript")).to_contain_text(
        "When can I start my pension?", timeout=30_000
    )
    expect(agent_page.locator("#chat-transcript")).to_contain_text("Demo Agent:")
    audit(agent_page)
    audit(person_page)
    assert widget.bot_messages.last.evaluate("e => !!e.closest('.cxn-msg--agent')"), (
        "the assistant stayed silent"
    )

    # Handed back: the person is told, and the assistant answers the next message.
    agent_page.get_by_role("button", name="Hand back to the assistant").click()
    expect(agent_page.locator("#chat-status")).to_have_text("Handed back to the assistant.")
    expect(widget.log).to_contain_text("Demo Agent left the chat.", timeout=30_000)
    reply = widget.say("hello")
    expect(reply).not_to_be_empty(timeout=BOT_REPLY_TIMEOUT_MS)
    assert not reply.evaluate("e => !!e.closest('.cxn-msg--agent')"), "the assistant, not Dana"
    assert "Sorry, something went wrong" not in (reply.text_content() or "")


def test_a_long_wait_offers_the_agency_s_number_and_ending_the_chat_leaves_the_line(
    page: Page, site: str, stack: Stack
) -> None:
    widget, session = ask_for_a_person(page, site)

    # Nobody took the chat for longer than CX_HANDOFF_WAIT_SECONDS (300 s by default).
    engine = create_engine(f"sqlite:///{stack.var_dir}/cx.db")
    with engine.begin() as conn:
        conn.execute(
            text(f"UPDATE handoff_queue SET enqueued_at = enqueued_at - 400 {BY_ID}"),
            {"c": session},
        )
    offer = page.locator(".cxn-note", has_text="No one is free yet")
    expect(offer).to_contain_text("call Social Security Administration at 1-800-772-1213")
    expect(offer.get_by_role("link", name="1-800-772-1213")).to_have_attribute(
        "href", "tel:+18007721213"
    )
    expect(widget.status).to_contain_text("in line for a person")

    # Ending the chat (the survey may come first) takes the person out of the line.
    widget.end_chat()
    for _ in range(20):
        with engine.connect() as conn:
            left = conn.execute(
                text(f"SELECT count(*) FROM handoff_queue {BY_ID}"),
                {"c": session},
            ).scalar()
        if not left:
            break
        page.wait_for_timeout(500)
    assert left == 0, "the person left the line"
    engine.dispose()
