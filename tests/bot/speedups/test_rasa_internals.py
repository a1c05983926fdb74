"""The cheap Rasa internals behave exactly as Rasa's own: validation, event types, slot copies."""

from __future__ import annotations

import copy

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.slots import Slot
from rasa.shared.utils.common import all_subclasses

import bot.stores  # noqa: F401  (loading the stores installs the speed-up, as in Rasa)
from bot.settings import REPO_ROOT
from bot.speedups.rasa_internals import _copy_slot, _resolve_by_type, _validate_action_result
from bot.training import DOMAIN

GOOD = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "life_experience", "value": "retirement"},
            {"event": "active_loop", "name": None},
        ],
        "responses": [{"response": "utter_greet"}, {"text": "Hello", "buttons": []}],
    },
    {},
]
BAD = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event needs its name
    {"responses": [42]},
    ["not", "an", "object"],
]


def test_rasa_uses_the_cached_validator() -> None:
    assert RemoteAction._validate_action_result is _validate_action_result


@pytest.mark.parametrize("result", GOOD)
def test_valid_action_responses_pass(result: dict) -> None:
    jsonschema.validate(result, RemoteAction.action_response_format_spec())
    assert _validate_action_result(RemoteAction("x", None), result) is True


@pytest.mark.parametrize("result", BAD)
def test_invalid_action_responses_fail_as_in_rasa(result: object) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server"):
        _validate_action_result(RemoteAction("x", None), result)  # type: ignore[arg-type]


def test_event_types_resolve_as_rasa_resolves_them() -> None:
    assert Event.resolve_by_type is _resolve_by_type
    for cls in all_subclasses(Event):
        first = next(c for c in all_subclasses(Event) if c.type_name == cls.type_name)
        assert Event.resolve_by_type(cls.type_name) is first
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("nonsense", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'nonsense'"):
        Event.resolve_by_type("nonsense")
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "hi", "parse_data": {}},
    ]
    assert [type(Event.from_parameters(e)) for e in events] == [ActionExecuted, UserUttered]


def test_slots_copy_as_the_pickle_protocol_copies_them(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Slot.__copy__ is _copy_slot
    slots = Domain.load(str(REPO_ROOT / DOMAIN)).slots  # every slot type the assistant uses
    for slot in slots:
        slot.value = ["a", "list"] if slot.type_name == "list" else "value"
    fast = [copy.copy(slot) for slot in slots]
    monkeypatch.delattr(Slot, "__copy__")
    generic = [copy.copy(slot) for slot in slots]
    assert len({slot.type_name for slot in slots}) >= 4
    for slot, one, other in zip(slots, fast, generic, strict=True):
        assert type(one) is type(other) is type(slot)
        assert one.__dict__ == other.__dict__ == slot.__dict__
        assert one is not slot and one.value is slot.value  # shallow, as before
