"""Hostile text, over-long messages and a dead server: nothing runs, nothing is lost."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.widget import Widget
from tests.support.proxy import TcpProxy
from tests.support.services import Service, start_uvicorn
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

XSS = "<img src=x onerror=alert(1)>"


def test_html_in_a_message_is_shown_as_text(page: Page, site: str) -> None:
    dialogs: list[Dialog] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog), dialog.dismiss()))
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.say(XSS)
    expect(widget.user_messages.last).to_contain_text(XSS)
    assert page.locator(".cxn-log img").count() == 0
    page.reload()  # history from the server is rendered as text too
    expect(widget.user_messages.last).to_contain_text(XSS)
    assert page.locator(".cxn-log img").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []


def test_an_over_long_message_gets_an_inline_error_and_is_kept(page: Page, site: str) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    text = "I need help with my benefits. " * 17  # 510 characters
    widget.input.fill(text)
    page.keyboard.press("Enter")
    expect(widget.error).to_have_text(re.compile(r"510 characters long.*500 or fewer"))
    expect(widget.input).to_have_attribute("aria-invalid", "true")
    expect(widget.input).to_have_value(text)
    assert widget.user_messages.count() == 0

    widget.input.fill(text[:480])
    page.keyboard.press("Enter")
    expect(widget.error).to_be_empty()
    expect(widget.user_messages).to_have_count(1)


def test_an_empty_message_is_not_sent(page: Page, site: str) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    page.keyboard.press("Enter")
    expect(widget.error).to_have_text("Please type a message first.")
    assert widget.user_messages.count() == 0


@pytest.fixture
def rasa_proxy(stack: Stack) -> Iterator[TcpProxy]:
    proxy = TcpProxy(stack.ports["rasa"]).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def site_behind_proxy(stack: Stack, rasa_proxy: TcpProxy, tmp_path: Path) -> Iterator[str]:
    """A second web app whose widget reaches Rasa through a proxy the test can cut."""
    service: Service = start_uvicorn(
        "bot.web.app:app",
        stack.var_dir,
        RASA_PUBLIC_URL=rasa_proxy.url,
        RASA_SERVER_URL=stack.url("rasa").rstrip("/"),
        RASA_API_TOKEN=stack.token,
    )
    yield service.url
    service.stop()


def test_an_outage_is_announced_the_text_kept_and_sent_when_back(
    page: Page, site_behind_proxy: str, rasa_proxy: TcpProxy
) -> None:
    page.goto(site_behind_proxy)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.say("hello")

    rasa_proxy.stop()
    expect(widget.status).to_have_text(re.compile("can't reach the assistant"))
    widget.input.focus()
    page.keyboard.type("I lost my job last week")
    page.keyboard.press("Enter")
    expect(widget.error).to_contain_text("Your message was not sent")
    expect(widget.input).to_have_value("I lost my job last week")
    page.wait_for_timeout(2000)  # retries fail while the server is away; nothing is lost
    expect(widget.input).to_have_value("I lost my job last week")

    before = widget.bot_messages.count()
    rasa_proxy.start()
    expect(widget.status).to_have_text(re.compile("connected again"), timeout=30_000)
    expect(widget.user_messages.last).to_have_text(re.compile("I lost my job last week"))
    widget.wait_for_reply(before)
    expect(widget.input).to_have_value("")
    expect(widget.error).to_be_empty()
