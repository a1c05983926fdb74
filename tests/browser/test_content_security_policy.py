"""The pages work under their Content-Security-Policy: the widget talks to the assistant
(its socket.io connection is allowed), and every staff page loads its scripts and styles.
The `new_page` fixture fails a test on any CSP violation Chromium reports."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.widget import Widget
from tests.support.stack import Stack

# USWDS's script ran: it takes the loading mark off the page.
USWDS_RAN = "() => !document.documentElement.classList.contains('usa-js-loading')"
STAFF_PAGES = {
    "editor": ["/studio", "/studio/intents", "/studio/inbox", "/studio/audit", "/studio/try"],
    "agent": ["/agent"],
    "manager": ["/insights"],
}


def test_the_widget_converses_under_the_policy(page: Page, site: str) -> None:
    page.goto(site)
    widget = Widget(page)
    widget.launcher.click()
    widget.input.fill("hello")
    widget.input.press("Enter")
    expect(widget.bot_messages.first).to_be_visible(timeout=60_000)
    assert "script-src 'self'" in page.evaluate(
        "fetch(location.href).then(r => r.headers.get('content-security-policy'))"
    )


def test_every_staff_page_loads_under_the_policy(page: Page, stack: Stack) -> None:
    for username, paths in STAFF_PAGES.items():
        page.context.clear_cookies()
        page.goto(stack.url("web", paths[0]))
        expect(page).to_have_url(re.compile(r"/login"))
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(stack.staff_demo_password())
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "login" not in url)
        for path in paths:
            response = page.goto(stack.url("web", path))
            assert response is not None and response.ok, path
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            page.wait_for_function(USWDS_RAN)
