"""The lookup forms read details from what people type and keep only references."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import vault
from actions.clients.content import all_lookups
from actions.lookups.forms import FORM_VALIDATORS

PASSPORT = ["last_name", "date_of_birth", "ssn_last4"]
DOMAIN = {"forms": {"passport_form": {"required_slots": PASSPORT}}}


@pytest.fixture(autouse=True)
def memory_vault(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    vault.reset_backend()


def tracker(
    text: str,
    requested: str | None,
    slots: dict[str, Any] | None = None,
    intent: str = "inform",
    confidence: float = 0.9,
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "t",
            "slots": {"requested_slot": requested, **(slots or {})},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": confidence},
                "entities": [],
            },
            "events": [],
            "active_loop": {"name": "passport_form"},
        }
    )


def run(t: Tracker) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(FORM_VALIDATORS["passport"]().run(dispatcher, t, DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return slots, [m["response"] for m in dispatcher.messages]


def test_every_lookup_has_a_registered_validator() -> None:
    assert {cls().name() for cls in FORM_VALIDATORS.values()} == {
        f"validate_{x}_form" for x in all_lookups()
    }


def test_the_answer_is_stored_as_a_reference_not_a_value() -> None:
    slots, said = run(tracker("Rivera", "last_name"))
    assert vault.is_reference(slots["last_name"])
    assert vault.redeem(slots["last_name"]) == "Rivera"
    assert said == []


def test_several_details_in_one_message() -> None:
    slots, _ = run(tracker("Rivera, born 03/14/1985, last four 4821", "last_name"))
    assert {k: vault.redeem(v) for k, v in slots.items()} == {
        "last_name": "Rivera",
        "date_of_birth": "1985-03-14",
        "ssn_last4": "4821",
    }


def test_a_bad_answer_gets_the_format_and_the_question_again() -> None:
    slots, said = run(
        tracker("yesterday-ish", "date_of_birth", {"last_name": vault.keep("Rivera")})
    )
    assert said == ["utter_invalid_date_of_birth"]
    assert slots == {"date_of_birth": None}, "asked again: Rasa requests the empty slot"


def test_a_correction_replaces_the_earlier_value_and_forgets_it() -> None:
    old = vault.keep("1985-03-14")
    slots, said = run(
        tracker(
            "sorry my birthday is actually 03/15/1985",
            "ssn_last4",
            {"last_name": vault.keep("Rivera"), "date_of_birth": old},
        )
    )
    assert said == [], "a correction is not a wrong answer to the current question"
    assert vault.redeem(slots["date_of_birth"]) == "1985-03-15"
    assert vault.redeem(old) is None
    assert "ssn_last4" not in slots


def test_a_full_ssn_is_cut_to_the_last_four_with_a_warning() -> None:
    slots, said = run(tracker("123-45-4821", "ssn_last4"))
    assert vault.redeem(slots["ssn_last4"]) == "4821"
    assert said == ["utter_full_ssn_warning"]


@pytest.mark.parametrize("intent", ["cancel", "human_handoff", "le_travel", "status_irs_refund"])
def test_a_confident_other_request_is_left_to_the_dialogue(intent: str) -> None:
    slots, said = run(tracker("never mind, talk to a person", "last_name", intent=intent))
    assert "last_name" not in slots
    assert said == []


def test_an_unsure_intent_guess_does_not_swallow_a_name() -> None:
    slots, _ = run(tracker("Hope", "last_name", intent="le_new_child", confidence=0.4))
    assert vault.redeem(slots["last_name"]) == "Hope"


def test_a_locked_conversation_asks_nothing() -> None:
    slots, _ = run(tracker("Rivera", "last_name", {"lookup_locked": True}))
    assert slots == {"requested_slot": None}, "no slot required: the form ends at once"
