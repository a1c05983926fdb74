"""Three small Rasa 3.6 internals made cheap, each doing exactly what it did before.

- `RemoteAction._validate_action_result`: `jsonschema.validate` re-checked the constant
  schema against the metaschema on every custom action call; compiled once here.
- `Event.resolve_by_type` walked every Event subclass for every event deserialised;
  the walk's result is kept, walked again only for a name it does not know.
- Slots were copied through the generic pickle protocol every time Rasa builds a
  tracker (to copy one, and to featurise each prediction); they now copy their
  attributes directly, which is what that protocol does for them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.core.slots import Slot
from rasa.shared.utils.common import all_subclasses


@cache
def _response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    error: ValidationError | None = best_match(_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


_event_types: dict[str, type[Event]] = {}


def _walk_event_types() -> None:
    found: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):  # the first class of a name wins, as in Rasa
        found.setdefault(cls.type_name, cls)
    _event_types.clear()
    _event_types.update(found)


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    if type_name not in _event_types:
        _walk_event_types()  # a subclass defined since the last walk
    if type_name in _event_types:
        return _event_types[type_name]
    if type_name == "topic":
        return None  # Rasa's backwards compatibility for old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def _copy_slot(self: Slot) -> Slot:
    clone = object.__new__(type(self))
    clone.__dict__.update(self.__dict__)
    return clone


def install() -> None:
    """Idempotent."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]
    Slot.__copy__ = _copy_slot  # type: ignore[attr-defined]
