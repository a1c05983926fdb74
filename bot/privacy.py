"""Mask personal identifiers before anything is stored or shown to staff.

People type Social Security numbers, birth dates and case numbers into chats. The
raw value is needed once, by the action that looks a case up; everything kept
afterwards (tracker store, analytics, studio inbox, handoff summaries, survey
comments, wrap-up notes) holds the masked form, e.g. ``***-**-****``. What is found
in text, and how, is bot.text_masks; this module applies it to Rasa's events.
Masking is idempotent, so a stored message cannot tell afterwards whether it was
changed: a message whose text masking changed is marked (metadata `redacted`) when it
is stored, and history readers say so instead of guessing from asterisks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.text_masks import mask_text

__all__ = [
    "AGENT_KEY",
    "REDACTED_KEY",
    "mask_event",
    "mask_events",
    "mask_text",
    "mask_values",
    "was_redacted",
]

# Bot events an agent wrote in a warm handoff carry the agent's display name here
# (bot/web/handoff.py): they are a person's words, masked like the person's own.
AGENT_KEY = "agent"
# Set in a stored message's metadata when masking changed its text.
REDACTED_KEY = "redacted"


def mask_values(value: Any, mask: Callable[[str], str] = mask_text) -> Any:
    """`mask_text` applied to every string inside nested dicts and lists."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: mask_values(v, mask) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_values(v, mask) for v in value]
    return value


# Events that carry what a person typed or what was derived from it, and their fields.
MASKED_EVENT_TYPES = {"user", "slot", "entities", "user_featurization"}
# (Message metadata is not masked: channels put only the language and channel name there.)
_MASKED_EVENT_FIELDS = ("text", "parse_data", "value", "entities")


def written_by_agent(event: dict[str, Any]) -> bool:
    """A bot event an agent typed in a warm handoff (not the assistant's own words)."""
    metadata = event.get("metadata")
    return (
        event.get("event") == "bot" and isinstance(metadata, dict) and bool(metadata.get(AGENT_KEY))
    )


def mask_event(event: dict[str, Any]) -> dict[str, Any]:
    """A serialised Rasa event with identifiers masked in its content fields; a message
    whose text changed is marked `redacted` in its metadata.

    What a person typed (the public, or an agent in a handoff), and slots derived from
    it, are masked. The assistant's own messages are kept as they are: they never echo
    an identifier, and masking them would hide the dates a status answer reports.
    """
    if event.get("event") not in MASKED_EVENT_TYPES and not written_by_agent(event):
        return event
    masked = {
        key: mask_values(value) if key in _MASKED_EVENT_FIELDS else value
        for key, value in event.items()
    }
    return _marked_if_changed(event, masked)


def _marked_if_changed(original: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """`stored`, marked `redacted` when it is a message whose text differs from `original`."""
    if stored.get("text") == original.get("text") or original.get("event") not in ("user", "bot"):
        return stored
    metadata = stored.get("metadata")
    return {
        **stored,
        "metadata": {**(metadata if isinstance(metadata, dict) else {}), REDACTED_KEY: True},
    }


def was_redacted(event: dict[str, Any]) -> bool:
    """Whether masking changed this stored message when it was stored."""
    metadata = event.get("metadata")
    return isinstance(metadata, dict) and metadata.get(REDACTED_KEY) is True


# While a lookup form runs, every message answers an identity question (a name, a
# birth date, the last digits of an SSN): none of it is kept, whatever it looks like.
IDENTITY_ANSWER = "[identity details, not kept]"
NAVIGATION_FORM = "life_experience_form"
# A slot holding identity details holds only a reference to them (actions.vault).
VAULT_PREFIX = "vault:"


def is_vault_reference(value: object) -> bool:
    return isinstance(value, str) and value.startswith(VAULT_PREFIX)


def mask_events(
    events: list[dict[str, Any]], active_loop: str | None = None
) -> list[dict[str, Any]]:
    """Serialised events as they may be stored: identifiers masked, identity answers
    dropped. `active_loop` is the form running before the first of them, if any.

    An identity answer is a message typed while a lookup form runs, or one a lookup
    read identity details from though no form was running yet ("where is my passport?
    Rivera 4821" starts the form, which keeps what it read in the vault): whatever
    its words, no pattern has to recognise them."""
    masked = []
    for index, event in enumerate(events):
        if event.get("event") == "active_loop":
            active_loop = event.get("name")
        stored = event
        if event.get("event") == "user" and (
            (active_loop and active_loop != NAVIGATION_FORM) or _identity_read_from(events, index)
        ):
            stored = _replace_text(event, IDENTITY_ANSWER)
        masked.append(_marked_if_changed(event, mask_event(stored)))
    return masked


def _identity_read_from(events: list[dict[str, Any]], index: int) -> bool:
    """Whether the turn of the user message at `index` kept identity details in a slot.
    The turn ends where the assistant listens again (slots a new session carries over
    come after that)."""
    for event in events[index + 1 :]:
        if event.get("event") == "user" or event.get("name") == "action_listen":
            return False
        if event.get("event") == "slot" and is_vault_reference(event.get("value")):
            return True
    return False


def _replace_text(event: dict[str, Any], text: str) -> dict[str, Any]:
    parse_data = dict(event.get("parse_data") or {})
    if parse_data:
        parse_data["text"] = text
        parse_data["entities"] = []
    return {**event, "text": text, "parse_data": parse_data}
