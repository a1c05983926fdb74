"""Real headless Chromium (Debian's, never a downloaded build) driven by Playwright.

A failing test leaves screenshots of what the page showed under var/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)

from bot.settings import REPO_ROOT, get_settings
from tests.support.stack import Stack

SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
# Chromium runs as root here and must not phone home: this machine's network is closed.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = Path(get_settings().chromium_path)
    if not chromium.exists():
        pytest.fail(
            f"Chromium not found at {chromium}: `make test` installs Debian's chromium; "
            "elsewhere install it or set CX_CHROMIUM_PATH"
        )
    launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """Opens pages in fresh browser contexts (own sessionStorage, like a new tab);
    on failure, every page opened is saved as a screenshot. Any page the
    Content-Security-Policy blocked something on fails the test: a blocked script or
    style is a broken page for real visitors."""
    contexts: list[BrowserContext] = []
    pages: list[Page] = []
    blocked: list[str] = []

    def open_page(**context_options: object) -> Page:
        context = browser.new_context(**context_options)
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: note_csp_violation(message, blocked))
        pages.append(page)
        return page

    yield open_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        for index, page in enumerate(pages):
            try:
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{index}.png"), full_page=True)
            except Exception as error:  # a closed page must not hide the real failure
                print(f"screenshot of page {index} failed: {error}")
    for context in contexts:
        context.close()
    assert not blocked, f"the Content-Security-Policy blocked: {blocked}"


def note_csp_violation(message: ConsoleMessage, blocked: list[str]) -> None:
    """Chromium reports what a policy refused as a console error naming the policy."""
    if "Content Security Policy" in message.text:
        blocked.append(message.text)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page(viewport={"width": 1280, "height": 800})


@pytest.fixture(scope="session")
def site(stack: Stack) -> str:
    """The demo page of the running stack (what http://localhost:8000 serves)."""
    return stack.url("web")
