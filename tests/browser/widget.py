"""Drives the chat widget the way a keyboard user does: Tab, type, Enter."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

BOT_REPLY_TIMEOUT_MS = 60_000
MAX_TABS = 60
# A message's visible words, without the hidden "You said:" and "(opens in a new tab)".
SPOKEN_TEXT = """e => { const c = e.cloneNode(true);
  c.querySelectorAll('.cxn-sr').forEach(s => s.remove()); return c.textContent; }"""


@dataclass
class Widget:
    page: Page

    @property
    def launcher(self) -> Locator:
        return self.page.locator(".cxn-launcher")

    @property
    def panel(self) -> Locator:
        return self.page.get_by_role("dialog", name="CX Navigator")

    @property
    def input(self) -> Locator:
        return self.page.get_by_label("Type your message")

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log")

    @property
    def bot_messages(self) -> Locator:
        return self.page.locator(".cxn-msg--bot .cxn-text")

    @property
    def user_messages(self) -> Locator:
        return self.page.locator(".cxn-msg--user .cxn-text")

    @property
    def status(self) -> Locator:
        return self.page.locator(".cxn-status")

    @property
    def error(self) -> Locator:
        return self.page.locator(".cxn-error")

    def focused(self, script: str) -> object:
        return self.page.evaluate(
            f"(() => {{ const e = document.activeElement; return {script} }})()"
        )

    def tab_to(self, description: str, test: str, *, backwards: bool = False) -> None:
        """Press (Shift+)Tab until the focused element passes `test` (a JS expression on e)."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(MAX_TABS):
            self.page.keyboard.press(key)
            if self.focused(f"!!e && ({test})"):
                return
        raise AssertionError(f"{description} cannot be reached with {key}")

    def wait_until_connected(self) -> None:
        """The real-time channel is up (before it is, the widget answers over REST)."""
        expect(self.page.locator(".cxn[data-connected]")).to_have_count(1)

    def open_by_keyboard(self) -> None:
        self.tab_to("the chat launcher", "e.classList.contains('cxn-launcher')")
        self.page.keyboard.press("Enter")
        expect(self.panel).to_be_visible()
        expect(self.input).to_be_focused()

    def say(self, text: str) -> Locator:
        """Type a message and press Enter; returns the first bot message answering it."""
        before = self.bot_messages.count()
        self.input.focus()
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        return self.wait_for_reply(before)

    def choose(self, title: str) -> Locator:
        """Reach a quick-reply button by Shift+Tab from the input and press Enter on it."""
        before = self.bot_messages.count()
        self.input.focus()
        self.tab_to(
            f"the choice {title!r}",
            f"e.classList.contains('cxn-choice') && e.textContent === {title!r}",
            backwards=True,
        )
        self.page.keyboard.press("Enter")
        return self.wait_for_reply(before)

    def end_chat(self) -> None:
        """Press "End chat", then confirm it."""
        self.page.get_by_role("button", name="End chat").click()
        confirm = self.page.get_by_role("button", name="Yes, end the chat")
        expect(confirm).to_be_focused()
        confirm.click()

    def wait_for_reply(self, before: int) -> Locator:
        expect(self.bot_messages).not_to_have_count(before, timeout=BOT_REPLY_TIMEOUT_MS)
        expect(self.page.locator(".cxn-typing")).to_be_hidden(timeout=BOT_REPLY_TIMEOUT_MS)
        return self.bot_messages.nth(before)

    def last_choices(self) -> list[str]:
        return self.page.locator(".cxn-msg--bot").last.locator(".cxn-choice").all_inner_texts()

    def transcript(self) -> list[tuple[str, str]]:
        items = self.page.locator(".cxn-msg")
        return [
            (
                "user" if "cxn-msg--user" in (item.get_attribute("class") or "") else "bot",
                item.locator(".cxn-text").evaluate(SPOKEN_TEXT),
            )
            for item in items.all()
        ]
