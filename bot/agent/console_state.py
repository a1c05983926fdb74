"""What the console shows of a call, rebuilt from the conversation's tracker events.

Everything comes from the tracker (plus the console's own tables), never from the
browser, so a reload, a second screen or another agent taking over sees the same call.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.agent.calls import Wrapup
from bot.web.chat import message_of_event, with_button_titles

SLOTS_SHOWN = ("life_experience", "lookup", "lookup_outcome")


def _custom(event: dict[str, Any]) -> dict[str, Any]:
    custom = (event.get("data") or {}).get("custom")
    return custom if isinstance(custom, dict) else {}


def console_state(
    conversation_id: str,
    events: list[dict[str, Any]],
    verified: list[str],
    wrapups: list[Wrapup],
) -> dict[str, Any]:
    transcript = with_button_titles([m for e in events if (m := message_of_event(e))])
    slots: dict[str, Any] = {}
    checklist: dict[str, Any] | None = None
    case: dict[str, Any] | None = None
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") in SLOTS_SHOWN:
            slots[event["name"]] = event.get("value")
        elif kind == "bot":
            custom = _custom(event)
            if "verification" in custom:
                checklist = custom["verification"]
            if "case" in custom:
                case = custom["case"]
    if checklist is not None and checklist.get("lookup") in verified:
        checklist = {**checklist, "done": True}
    last_user = max((i for i, m in enumerate(transcript) if m["sender"] == "user"), default=-1)
    script = [m for m in transcript[last_user + 1 :] if m["sender"] == "bot"]
    return {
        "conversationId": conversation_id,
        "script": script,
        "transcript": transcript,
        "slots": slots,
        "verification": checklist,
        "verified": verified,
        "case": case,
        "wrapups": [{**asdict(w), "created_at": w.created_at.isoformat() + "Z"} for w in wrapups],
    }
