"""The web app's side of the agent channel: what the console asks of the Rasa server.

The browser never talks to Rasa for the console: these calls carry the Rasa API token,
which must stay on the server, and the agent's identity is checked before each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from bot.bearer import bearer_headers
from bot.settings import Settings, get_settings
from bot.unicode_text import repaired

CHANNEL_PATH = "/webhooks/agent_console/webhook"
# A turn may wait on an agency lookup (timeouts, retries): longer than a page click.
TURN_TIMEOUT_SECONDS = 60
READ_TIMEOUT_SECONDS = 10


class AssistantUnavailable(RuntimeError):
    """The Rasa server did not answer, or answered with an error."""


class Refused(RuntimeError):
    """The channel refused the message (empty, too long, too fast): its words, for the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Assistant:
    settings: Settings

    @classmethod
    def from_settings(cls) -> Assistant:
        return cls(get_settings())

    def _url(self, path: str) -> str:
        return self.settings.rasa_url.rstrip("/") + path

    def _token(self) -> str:
        return self.settings.rasa_api_token or ""

    def say(self, conversation_id: str, text: str) -> list[dict[str, Any]]:
        """Sends what the caller said (or a button payload); the bot's messages for the turn."""
        try:
            response = requests.post(
                self._url(CHANNEL_PATH),
                json={"sender": conversation_id, "message": text},
                headers=bearer_headers(self._token()),
                timeout=TURN_TIMEOUT_SECONDS,
            )
        except requests.RequestException as error:
            raise AssistantUnavailable("The assistant is not reachable right now.") from error
        if response.status_code in (400, 413, 429, 503):
            raise Refused(response.status_code, _message_of(response))
        if not response.ok:
            raise AssistantUnavailable(f"The assistant answered {response.status_code}.")
        messages = response.json()
        return messages if isinstance(messages, list) else []

    def tracker(self, conversation_id: str, include_events: str = "ALL") -> dict[str, Any]:
        """The conversation's stored state (events already masked at the edge)."""
        try:
            response = requests.get(
                self._url(f"/conversations/{conversation_id}/tracker"),
                params={"token": self._token(), "include_events": include_events},
                timeout=READ_TIMEOUT_SECONDS,
            )
            response.raise_for_status()
            tracker = response.json()
        except (requests.RequestException, ValueError) as error:
            raise AssistantUnavailable("The assistant is not reachable right now.") from error
        # Rasa serves a lone surrogate stored by older versions as "\ud800": repaired here,
        # or the page showing it could not be written.
        return repaired(tracker) if isinstance(tracker, dict) else {}

    def events(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every stored event of the conversation (already masked at the edge); [] if new."""
        events = self.tracker(conversation_id).get("events")
        return events if isinstance(events, list) else []

    def slots(self, conversation_id: str) -> dict[str, Any]:
        slots = self.tracker(conversation_id, include_events="NONE").get("slots")
        return slots if isinstance(slots, dict) else {}

    def append_events(
        self,
        conversation_id: str,
        events: list[dict[str, Any]],
        output_channel: str | None = None,
    ) -> None:
        """Appends events to the conversation without a bot turn (Rasa's HTTP API). With
        an `output_channel`, the bot events among them are also sent through it (how an
        agent's messages reach the person in the widget)."""
        params = {"token": self._token(), "include_events": "NONE"}
        if output_channel:
            params.update(execute_side_effects="true", output_channel=output_channel)
        try:
            response = requests.post(
                self._url(f"/conversations/{conversation_id}/tracker/events"),
                params=params,
                json=events,
                timeout=READ_TIMEOUT_SECONDS,
            )
            response.raise_for_status()
        except requests.RequestException as error:
            raise AssistantUnavailable("The assistant could not record that.") from error

    def set_slot(self, conversation_id: str, name: str, value: Any) -> None:
        """A SlotSet without a bot turn: how the console records facts only staff may
        assert, like a verified caller."""
        self.append_events(conversation_id, [{"event": "slot", "name": name, "value": value}])


def _message_of(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return "The assistant refused that message."
