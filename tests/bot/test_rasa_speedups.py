"""The cached action-response validator accepts and refuses exactly what Rasa's does."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

import bot.stores  # noqa: F401  (loading the stores installs the speed-up, as in Rasa)
from bot.rasa_speedups import _resolve_by_type, _validate_action_result

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
