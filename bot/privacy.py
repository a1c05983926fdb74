"""Mask personal identifiers in text before anything is stored or shown to staff.

People type Social Security numbers, birth dates and case numbers into chats. The
raw value is needed once, by the action that looks a case up; everything kept
afterwards (tracker store, analytics, studio inbox, handoff summaries) holds the
masked form, e.g. ``***-**-1234``. Masking is idempotent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

SSN = re.compile(r"\b\d{3}([-\s]?)\d{2}\1(\d{4})\b")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
DATES = [
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"),
    re.compile(rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.I),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+\d{{4}}\b", re.I),
]
# Case, claim, application, account and traveler numbers: a token of 6 or more
# letters/digits/dashes holding at least 5 digits. Keeps the last 4 characters.
NUMBER_TOKEN = re.compile(r"\b(?=(?:[A-Za-z-]*\d){5})[A-Za-z0-9][A-Za-z0-9-]{5,}\b")
MASKED_DATE = "**/**/****"


def _keep_last4(match: re.Match[str]) -> str:
    token = match.group(0)
    hidden = re.sub(r"[A-Za-z0-9]", "*", token[:-4])
    return hidden + token[-4:]


def mask_text(text: str) -> str:
    """The text with every identifier-like value masked."""
    text = SSN.sub(lambda m: f"***-**-{m.group(2)}", text)
    text = EMAIL.sub("***@***", text)
    for pattern in DATES:
        text = pattern.sub(MASKED_DATE, text)
    return NUMBER_TOKEN.sub(_keep_last4, text)


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


def mask_event(event: dict[str, Any]) -> dict[str, Any]:
    """A serialised Rasa event with identifiers masked in its content fields.

    Only what a person typed, and slots derived from it, are masked. The bot's own
    messages are kept as they are: they never echo an identifier, and masking them
    would hide the dates a status answer reports.
    """
    if event.get("event") not in MASKED_EVENT_TYPES:
        return event
    return {
        key: mask_values(value) if key in _MASKED_EVENT_FIELDS else value
        for key, value in event.items()
    }


# While a lookup form runs, every message answers an identity question (a name, a
# birth date, the last digits of an SSN): none of it is kept, whatever it looks like.
IDENTITY_ANSWER = "[identity details, not kept]"
NAVIGATION_FORM = "life_experience_form"


def mask_events(
    events: list[dict[str, Any]], active_loop: str | None = None
) -> list[dict[str, Any]]:
    """Serialised events as they may be stored: identifiers masked, identity answers
    dropped. `active_loop` is the form running before the first of them, if any."""
    masked = []
    for event in events:
        if event.get("event") == "active_loop":
            active_loop = event.get("name")
        if event.get("event") == "user" and active_loop and active_loop != NAVIGATION_FORM:
            event = _replace_text(event, IDENTITY_ANSWER)
        masked.append(mask_event(event))
    return masked


def _replace_text(event: dict[str, Any], text: str) -> dict[str, Any]:
    parse_data = dict(event.get("parse_data") or {})
    if parse_data:
        parse_data["text"] = text
        parse_data["entities"] = []
    return {**event, "text": text, "parse_data": parse_data}
