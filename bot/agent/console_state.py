"""What the console shows of a call, rebuilt from the conversation's tracker events.

Everything comes from the tracker (plus the console's own tables), never from the
browser, so a reload, a second screen or another agent taking over sees the same call.
What is shown is in words (titles, agency and agent names): internal ids stay in the
fields the page acts with (`conversationId`, the checklist's `lookup`), never in text.
Blocking (catalog and account queries): run in a thread.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.agent.calls import Wrapup
from bot.agent.console_words import life_experience_title, lookup_title, outcome_words, verified_for
from bot.auth.accounts import display_name
from bot.web.chat import message_of_event, with_button_titles

SLOTS_SHOWN = ("life_experience", "lookup", "lookup_outcome")


def _custom(event: dict[str, Any]) -> dict[str, Any]:
    custom = (event.get("data") or {}).get("custom")
    return custom if isinstance(custom, dict) else {}


def call_facts(slots: dict[str, Any], verified: list[str]) -> dict[str, Any]:
    """The call's facts panel in words: None where nothing happened yet."""
    experience, lookup = slots.get("life_experience"), slots.get("lookup")
    return {
        "lifeExperience": life_experience_title(experience) if experience else None,
        "lookup": lookup_title(lookup) if lookup else None,
        "lookupOutcome": outcome_words(slots["lookup_outcome"])
        if lookup and slots.get("lookup_outcome")
        else None,
        "verifiedFor": [verified_for(v) for v in verified],
    }


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
        "facts": call_facts(slots, verified),
        "verification": checklist,
        "verified": verified,
        "case": case,
        "wrapups": [
            {
                **asdict(w),
                "agentName": display_name(w.agent),
                "created_at": w.created_at.isoformat() + "Z",
            }
            for w in wrapups
        ],
    }
