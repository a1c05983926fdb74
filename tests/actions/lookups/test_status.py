"""The lookup action: plain answers, honest failures, no probing, nothing kept."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import vault
from actions.clients.base import CaseStatus, LookupResult
from actions.lookups import status as status_module
from actions.lookups.status import ActionCancelLookup, ActionLookupStatus, ActionStartLookup
from bot.catalog.queries import clear_cache
from bot.catalog.seed import seed_catalog

DOMAIN = {
    "forms": {
        "passport_form": {"required_slots": ["last_name", "date_of_birth", "ssn_last4"]},
        "uscis_case_form": {"required_slots": ["receipt_number"]},
    }
}
RIVERA = {"last_name": "Rivera", "date_of_birth": "1985-03-14", "ssn_last4": "4821"}
FOUND = LookupResult(
    "found",
    CaseStatus(
        "passport",
        "state",
        "in_process",
        date(2026, 10, 9),
        {"Application received": "October 2, 2026"},
        ["A", "B"],
    ),
    "req-1",
)


class FakeClient:
    def __init__(self, result: LookupResult) -> None:
        self.result = result
        self.calls: list[dict[str, Any]] = []

    def lookup(self, **identity: Any) -> LookupResult:
        self.calls.append(identity)
        return self.result


@pytest.fixture(autouse=True)
def catalog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    clear_cache()
    vault.reset_backend()
    seed_catalog()
    yield
    clear_cache()


def use_client(monkeypatch: pytest.MonkeyPatch, result: LookupResult) -> FakeClient:
    fake = FakeClient(result)
    monkeypatch.setattr(status_module, "client_for", lambda lookup: fake)
    return fake


def tracker(**slots: Any) -> Tracker:
    refs = {k: vault.keep(v) for k, v in RIVERA.items()}
    return Tracker.from_dict(
        {
            "sender_id": "t",
            "slots": {"lookup": "passport", **refs, **slots},
            "latest_message": {},
            "events": [],
        }
    )


def run(action: Any, t: Tracker) -> tuple[list[dict], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    return asyncio.run(action.run(dispatcher, t, DOMAIN)), dispatcher


def test_found_explains_status_date_facts_next_steps_and_contact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = use_client(monkeypatch, FOUND)
    t = tracker()
    events, dispatcher = run(ActionLookupStatus(), t)
    assert fake.calls == [RIVERA], "the raw values reach the client, and only the client"
    said = {m["response"]: m for m in dispatcher.messages}
    assert list(said) == [
        "utter_lookup_status",
        "utter_lookup_last_change",
        "utter_lookup_facts",
        "utter_lookup_items",
        "utter_lookup_next",
        "utter_lookup_action",
        "utter_survey_offer",
    ]
    assert said["utter_survey_offer"]["trigger"] == "lookup"
    assert said["utter_lookup_status"]["agency"] == "U.S. Department of State"
    assert "in process" in said["utter_lookup_status"]["status"]
    assert said["utter_lookup_last_change"]["date"] == "October 9, 2026"
    assert said["utter_lookup_facts"]["facts"] == "Application received: October 2, 2026."
    assert said["utter_lookup_action"]["url"] == "https://passportstatus.state.gov"
    assert said["utter_lookup_action"]["phone"] == "1-877-487-2778"
    assert {e["name"]: e["value"] for e in events} == {
        **{k: None for k in RIVERA},
        "lookup_outcome": "found",
        "survey_state": "offered",
        "survey_trigger": "lookup",
    }
    assert all(vault.redeem(t.get_slot(k)) is None for k in RIVERA), "vault entries forgotten"


def test_no_match_reads_the_same_and_offers_the_phone(monkeypatch: pytest.MonkeyPatch) -> None:
    use_client(monkeypatch, LookupResult("no_match", None, "req-2"))
    events, dispatcher = run(ActionLookupStatus(), tracker())
    [message] = dispatcher.messages
    assert message["response"] == "utter_lookup_no_match"
    assert message["phone"] == "1-877-487-2778"
    assert message["buttons"] == [{"title": "Try again", "payload": "/status_passport"}]
    assert SlotSet("lookup_failures", 1) in events
    assert SlotSet("lookup_outcome", "no_match") in events, "no survey while they may retry"


def test_the_third_failure_locks_lookups_for_the_conversation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = use_client(monkeypatch, LookupResult("no_match", None, "req-3"))
    events, dispatcher = run(ActionLookupStatus(), tracker(lookup_failures=2))
    assert dispatcher.messages[0]["response"] == "utter_lookup_locked"
    assert SlotSet("lookup_locked", True) in events
    use_client(monkeypatch, FOUND)
    _, after = run(ActionLookupStatus(), tracker(lookup_locked=True, lookup_failures=3))
    assert after.messages[0]["response"] == "utter_lookup_locked"
    assert len(fake.calls) == 1, "a locked conversation never reaches the agency"


def test_an_agency_outage_is_said_plainly_with_its_phone(monkeypatch: pytest.MonkeyPatch) -> None:
    use_client(monkeypatch, LookupResult("unavailable", None, "req-4", "timeout"))
    events, dispatcher = run(ActionLookupStatus(), tracker())
    message, offer = dispatcher.messages
    assert message["response"] == "utter_lookup_unavailable"
    assert offer["response"] == "utter_survey_offer"
    assert SlotSet("lookup_outcome", "outage") in events
    assert (message["agency"], message["phone"]) == ("U.S. Department of State", "1-877-487-2778")


def test_details_that_expired_are_asked_again_not_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = use_client(monkeypatch, FOUND)
    _, dispatcher = run(ActionLookupStatus(), tracker(date_of_birth="vault:gone"))
    assert dispatcher.messages[0]["response"] == "utter_lookup_expired"
    assert fake.calls == []


def test_start_names_the_agency_and_warns_about_full_ssn() -> None:
    _, dispatcher = run(ActionStartLookup(), tracker())
    assert dispatcher.messages[0]["response"] == "utter_lookup_intro"
    assert dispatcher.messages[0]["agency"] == "U.S. Department of State"


def test_cancel_stops_the_form_and_forgets_everything() -> None:
    t = tracker()
    events, dispatcher = run(ActionCancelLookup(), t)
    assert dispatcher.messages[0]["response"] == "utter_lookup_cancelled"
    assert ActiveLoop(None) in events
    assert all(vault.redeem(t.get_slot(k)) is None for k in RIVERA)
