"""JSON routes the chat widget needs: where the assistant is, and a conversation's history.

History is read from Rasa's tracker on the server (with the HTTP API token, which
never reaches the browser, bot.agent.assistant), so a reload restores the conversation
without keeping anything personal in the browser. Stored messages are already masked; one
whose details masking removed says so (`redacted`, and a note to show beside it). Calls
of the agent console are never read back here: they are staff's (bot/web/agent.py).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, HTTPException

from bot.agent.assistant import Assistant, AssistantUnavailable
from bot.catalog.payloads import experience_payload
from bot.catalog.queries import list_life_experiences
from bot.privacy import AGENT_KEY, was_redacted
from bot.settings import get_settings
from bot.studio.models import AGENT_CHANNEL

router = APIRouter(prefix="/api/chat", tags=["chat"])
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
REDACTED_NOTE = "Some details were removed from this saved copy."
# A new chat opens with this many life experiences as buttons, the catalog's first ones.
STARTING_CHOICES = 3


@router.get("/config")
def config() -> dict[str, Any]:
    """What an embedded widget needs to reach the assistant."""
    settings = get_settings()
    rasa = settings.browser_rasa_url.rstrip("/")
    return {
        "socketUrl": rasa,
        "socketPath": "/socket.io",
        "restUrl": f"{rasa}/webhooks/rest/webhook",
        "maxMessageChars": settings.max_message_chars,
    }


@router.get("/starters")
def starters() -> dict[str, Any]:
    """The buttons a new chat opens with: the catalog's first life experiences (staff
    set the order), so the widget's greeting offers what the assistant can really do."""
    return {"buttons": starting_buttons()}


def starting_buttons() -> list[dict[str, str]]:
    experiences = list_life_experiences()[:STARTING_CHOICES]
    return [{"title": e.title, "payload": experience_payload(e.id)} for e in experiences]


@router.get("/history/{session_id}")
def history(session_id: str) -> dict[str, Any]:
    """The user and bot messages of one conversation, oldest first."""
    if not SESSION_ID.match(session_id):
        raise HTTPException(400, detail="Not a conversation id.")
    try:
        events = Assistant.from_settings().events(session_id)
    except AssistantUnavailable as error:
        raise HTTPException(503, detail=str(error)) from error
    shown = [m for event in events if (m := message_of_event(event))]
    messages = with_button_titles(shown, starting_buttons() if opened_by_a_click(shown) else [])
    if not any(m["sender"] == "user" for m in messages) or from_agent_console(events):
        raise HTTPException(404, detail="No conversation with this id.")
    return {"sessionId": session_id, "messages": messages}


def from_agent_console(events: list[dict[str, Any]]) -> bool:
    """A call of the agent console: what the agent read out is staff's, not the public's
    (answered like an unknown id, so the refusal tells nothing either)."""
    return any(e.get("event") == "user" and e.get("input_channel") == AGENT_CHANNEL for e in events)


def opened_by_a_click(messages: list[dict[str, Any]]) -> bool:
    """The person's first message starts a life experience: a button of the greeting."""
    first = next((m for m in messages if m["sender"] == "user"), None)
    return first is not None and first["text"].startswith(experience_payload(""))


def with_button_titles(
    messages: list[dict[str, Any]], first_buttons: list[dict[str, str]] | None = None
) -> list[dict[str, Any]]:
    """A click sends a payload ("/affirm"); show the words the person clicked ("Yes").
    `first_buttons` are those offered before the bot said anything (the widget's greeting)."""
    titles = {b["payload"]: b["title"] for b in first_buttons or []}
    for message in messages:
        if message["sender"] == "bot" and message["buttons"]:
            titles = {b["payload"]: b["title"] for b in message["buttons"]}
        elif message["sender"] == "user" and message["text"] in titles:
            message["text"] = titles[message["text"]]
    return messages


def message_of_event(event: dict[str, Any]) -> dict[str, Any] | None:
    kind = event.get("event")
    if kind not in ("user", "bot") or not event.get("text"):
        return None
    data = event.get("data") or {}
    buttons = data.get("buttons") or data.get("quick_replies") or []
    message = {
        "sender": kind,
        "text": event["text"],
        "buttons": [{"title": b["title"], "payload": b["payload"]} for b in buttons],
        "time": datetime.fromtimestamp(event.get("timestamp") or 0, tz=timezone.utc).isoformat(),
    }
    agent = (event.get("metadata") or {}).get(AGENT_KEY) if kind == "bot" else None
    if isinstance(agent, str) and agent:
        message["agent"] = agent  # written by a person (bot/web/handoff.py), not the bot
    if was_redacted(event):
        message.update(redacted=True, note=REDACTED_NOTE)
    return message
