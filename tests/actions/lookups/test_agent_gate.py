"""The compliance gate: on the agent console, no status before the agent verified the
caller, enforced here in the action server whatever the page shows."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions import vault
from actions.lookups.status import ActionLookupStatus, ActionStartLookup
from tests.actions.lookups.test_status import (  # noqa: F401 (catalog: autouse fixture)
    FOUND,
    RIVERA,
    catalog,
    run,
    use_client,
)

STATUS_RESPONSES = {
    "utter_lookup_status",
    "utter_lookup_last_change",
    "utter_lookup_facts",
    "utter_lookup_items",
    "utter_lookup_next",
    "utter_lookup_action",
}


def call(channel: str, **slots: Any) -> Tracker:
    """A passport lookup whose details were all given, said on `channel`."""
    refs = {k: vault.keep(v) for k, v in RIVERA.items()}
    return Tracker.from_dict(
        {
            "sender_id": "call-1",
            "slots": {"lookup": "passport", **refs, **slots},
            "latest_message": {},
            "events": [{"event": "user", "text": "4821", "input_channel": channel}],
        }
    )


def status_fields(messages: list[dict[str, Any]]) -> list[str]:
    """Everything in a reply that would disclose the case."""
    found = [m["response"] for m in messages if m.get("response") in STATUS_RESPONSES]
    found += [key for m in messages for key in (m.get("custom") or {}) if key == "case"]
    return found


def test_an_unverified_caller_gets_no_status_and_the_agency_is_not_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = use_client(monkeypatch, FOUND)
    t = call("agent_console")
    events, dispatcher = run(ActionLookupStatus(), t)
    assert status_fields(dispatcher.messages) == []
    withheld = dispatcher.messages[0]
    assert withheld["response"] == "utter_lookup_withheld"
    assert withheld["buttons"] == [{"title": "Look up again", "payload": "/status_passport"}]
    checklist = dispatcher.messages[1]["custom"]["verification"]
    assert checklist["lookup"] == "passport" and len(checklist["steps"]) >= 2
    assert fake.calls == []
    assert SlotSet("lookup_outcome", "withheld") in events
    assert not [e for e in events if e["name"] in RIVERA], "the details stay for Look up again"


def test_look_up_again_after_verification_uses_the_details_the_caller_gave(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = use_client(monkeypatch, FOUND)
    withheld = call("agent_console")
    run(ActionLookupStatus(), withheld)
    refs = {k: withheld.get_slot(k) for k in RIVERA}
    assert {k: vault.redeem(ref) for k, ref in refs.items()} == RIVERA

    # The agent completes the checklist and chooses "Look up again": the form finds
    # every detail still there, and the lookup runs with them, asking nothing.
    again = Tracker.from_dict(
        {
            "sender_id": "call-1",
            "slots": {"lookup": "passport", **refs, "verified_lookups": ["passport"]},
            "latest_message": {},
            "events": [
                {"event": "user", "text": "/status_passport", "input_channel": "agent_console"}
            ],
        }
    )
    events, dispatcher = run(ActionLookupStatus(), again)
    assert "utter_lookup_status" in status_fields(dispatcher.messages)
    assert len(fake.calls) == 1
    assert all(vault.redeem(ref) is None for ref in refs.values()), "forgotten once used"
    assert all(SlotSet(k, None) in events for k in RIVERA)


def test_verified_for_another_agency_is_not_verified_for_this_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_client(monkeypatch, FOUND)
    _, dispatcher = run(
        ActionLookupStatus(), call("agent_console", verified_lookups=["irs_refund"])
    )
    assert status_fields(dispatcher.messages) == []


def test_a_verified_caller_gets_the_status_and_the_case_panel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_client(monkeypatch, FOUND)
    _, dispatcher = run(ActionLookupStatus(), call("agent_console", verified_lookups=["passport"]))
    [panel] = [m["custom"]["case"] for m in dispatcher.messages if m.get("custom")]
    assert panel["agency"] == "U.S. Department of State"
    assert panel["status"] == "in_process"
    assert panel["last_changed"] == "2026-10-09"
    assert panel["facts"] == {"Application received": "October 2, 2026"}
    assert panel["items"] == ["A", "B"]
    assert panel["phone"] == "1-877-487-2778"
    assert panel["next"] and panel["action"]
    assert "utter_lookup_status" in status_fields(dispatcher.messages)


@pytest.mark.parametrize("channel", ["rest", "website"])
def test_public_channels_need_only_the_agency_match(
    monkeypatch: pytest.MonkeyPatch, channel: str
) -> None:
    """The person gave the details themselves; no checklist, and no case panel either."""
    use_client(monkeypatch, FOUND)
    _, dispatcher = run(ActionLookupStatus(), call(channel))
    assert "utter_lookup_status" in status_fields(dispatcher.messages)
    assert "case" not in status_fields(dispatcher.messages)


def test_the_checklist_comes_with_the_lookup_intro_on_the_console_only() -> None:
    _, console = run(ActionStartLookup(), call("agent_console"))
    assert console.messages[0]["response"] == "utter_lookup_intro"
    assert "verification" in console.messages[1]["custom"]
    _, verified = run(ActionStartLookup(), call("agent_console", verified_lookups=["passport"]))
    assert len(verified.messages) == 1, "no checklist once the caller is verified"
    _, public = run(ActionStartLookup(), call("website"))
    assert len(public.messages) == 1
