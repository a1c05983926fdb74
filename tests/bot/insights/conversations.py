"""A known set of conversations, as the Rasa event dicts the tracker stores hold.

Every figure the insights tests assert is worked out by hand from these lists (see
EXPECTED_* below), so a change here means re-deriving those numbers.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from tests.support.aio import run_sync

Event = dict[str, Any]


def at(day: int, hour: int, minute: int = 0) -> float:
    """Epoch seconds of a January 2026 moment, in UTC."""
    return datetime(2026, 1, day, hour, minute, tzinfo=timezone.utc).timestamp()


D1, D2, D3 = at(5, 14), at(6, 9), at(7, 11)  # Monday to Wednesday


def user(ts: float, text: str, intent: str, channel: str = "website") -> Event:
    return {
        "event": "user",
        "timestamp": ts,
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": 0.91},
            "entities": [],
            "text": text,
        },
        "input_channel": channel,
    }


def bot(ts: float, text: str) -> Event:
    return {"event": "bot", "timestamp": ts, "text": text, "data": {}, "metadata": {}}


def slot(ts: float, name: str, value: Any) -> Event:
    return {"event": "slot", "timestamp": ts, "name": name, "value": value}


def action(ts: float, name: str) -> Event:
    return {"event": "action", "timestamp": ts, "name": name}


def session_start(ts: float, *carried: tuple[str, Any]) -> list[Event]:
    """What Rasa's action_session_start writes, with slots carried over from before."""
    return [
        action(ts, "action_session_start"),
        {"event": "session_started", "timestamp": ts},
        *(slot(ts, name, value) for name, value in carried),
        action(ts, "action_listen"),
    ]


def conversations() -> dict[str, list[Event]]:
    return {
        # Website, Monday: retirement, two services, an SSA lookup found, survey offered.
        "c-retire": [
            *session_start(D1),
            user(D1 + 10, "I'm retiring next year", "le_retirement"),
            slot(D1 + 11, "life_experience", "retirement"),
            bot(D1 + 12, "Are you a federal employee?"),
            user(D1 + 60, "no", "deny"),
            slot(D1 + 61, "services_shown", ["ssa_retirement_benefits", "cms_medicare_enrollment"]),
            user(D1 + 120, "did social security get my application", "status_ssa_application"),
            slot(D1 + 121, "lookup", "ssa_application"),
            user(D1 + 240, "[identity details, not kept]", "inform"),
            slot(D1 + 241, "lookup_outcome", "found"),
            slot(D1 + 242, "survey_state", "offered"),
            bot(D1 + 360, "Your application is under review."),
        ],
        # REST, Monday an hour later: student loans, two misses then locked, one fallback,
        # then a person asks for a human.
        "c-loans": [
            user(D1 + 3600, "what do I owe on my student loans", "status_student_loans", "rest"),
            slot(D1 + 3601, "life_experience", "student_loans"),
            slot(D1 + 3602, "lookup", "student_loans"),
            user(D1 + 3630, "[identity details, not kept]", "inform", "rest"),
            slot(D1 + 3631, "lookup_outcome", "no_match"),
            user(D1 + 3660, "[identity details, not kept]", "inform", "rest"),
            slot(D1 + 3661, "lookup_outcome", "no_match"),
            user(D1 + 3690, "[identity details, not kept]", "inform", "rest"),
            slot(D1 + 3691, "lookup_outcome", "locked"),
            user(D1 + 3720, "asdfgh", "nlu_fallback", "rest"),
            user(D1 + 3750, "talk to a person", "handoff", "rest"),
            action(D1 + 3751, "action_handoff"),
            slot(D1 + 3760, "survey_state", "offered"),
            bot(D1 + 3780, "Call 1-800-433-3243."),
        ],
        # Website, Tuesday: travel, a passport lookup during an outage, two fallbacks.
        "c-travel": [
            user(D2, "I need a passport", "le_travel"),
            slot(D2 + 1, "life_experience", "travel"),
            slot(D2 + 2, "services_shown", ["state_passport_renew"]),
            user(D2 + 30, "blorp", "nlu_fallback"),
            user(D2 + 60, "where is my passport", "status_passport"),
            slot(D2 + 61, "lookup", "passport"),
            user(D2 + 90, "[identity details, not kept]", "inform"),
            slot(D2 + 91, "lookup_outcome", "outage"),
            user(D2 + 120, "zzz", "nlu_fallback"),
            slot(D2 + 121, "survey_state", "asking"),
            bot(D2 + 150, "Thank you."),
        ],
        # Website, Tuesday: the widget opened and closed, nobody wrote. Not a conversation.
        "c-empty": session_start(D2 + 3600),
        # Website, Wednesday: a replayed demo conversation.
        "demo-c1": [
            user(D3, "retiring soon", "le_retirement"),
            slot(D3 + 1, "life_experience", "retirement"),
            slot(D3 + 2, "services_shown", ["ssa_retirement_benefits", "opm_federal_retirement"]),
            slot(D3 + 3, "lookup", "passport"),
            user(D3 + 30, "[identity details, not kept]", "inform"),
            slot(D3 + 31, "lookup_outcome", "found"),
            slot(D3 + 50, "survey_state", "offered"),
            bot(D3 + 60, "Your passport was mailed."),
        ],
        # REST, Wednesday: a VA lookup, then a new session carries the slots over (not a
        # second lookup), then a second life experience and a service shown twice.
        "c-resumed": [
            user(D3 + 18000, "check my va claim", "status_va_claim", "rest"),
            slot(D3 + 18001, "lookup", "va_claim"),
            slot(D3 + 18002, "life_experience", "military_transition"),
            user(D3 + 18030, "[identity details, not kept]", "inform", "rest"),
            slot(D3 + 18031, "lookup_outcome", "found"),
            *session_start(
                D3 + 18100,
                ("lookup", "va_claim"),
                ("lookup_outcome", "found"),
                ("life_experience", "military_transition"),
            ),
            user(D3 + 18200, "I also have a disability", "le_disability", "rest"),
            slot(D3 + 18201, "life_experience", "disability"),
            slot(D3 + 18202, "services_shown", ["va_disability_compensation", "ssa_ssdi"]),
            slot(D3 + 18203, "services_shown", ["va_disability_compensation"]),
            slot(D3 + 18230, "survey_state", "offered"),
            bot(D3 + 18240, "Here is how to apply."),
        ],
    }


def save_to_rasa_store(store: Any, events_by_sender: dict[str, list[Event]]) -> None:
    """Stores conversations through Rasa's own tracker store class, as the server would."""
    from rasa.shared.core.trackers import DialogueStateTracker

    for sender, events in events_by_sender.items():
        run_sync(store.save(DialogueStateTracker.from_dict(sender, events)))
