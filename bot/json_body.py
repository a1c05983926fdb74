"""What every HTTP entrance accepts as a JSON body: readable, not too deep, valid text.

Python's parser answers JSON nested a thousand deep with a RecursionError (not a
ValueError), which the Rasa server and the web app turned into 500s; shallower but
still deep bodies go on to exhaust the recursion of whatever walks them next. Lone
surrogates (bot.unicode_text) parse fine and break whoever writes them later. One
check, used by the Rasa server's guard (connectors/json_guard.py) and the web app's
(bot/web/request_limits.py); the size limit is each server's own (it must act before
the body is read).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.unicode_text import has_lone_surrogate


@dataclass(frozen=True)
class JsonRefused(Exception):
    """Why a body is refused: `reason` for machines, `message` for people."""

    reason: str  # not_json, too_deep, bad_text
    message: str


NOT_JSON = JsonRefused("not_json", "The request body is not valid JSON.")
BAD_TEXT = JsonRefused(
    "bad_text", "The request body holds text that is not valid Unicode (a lone surrogate)."
)


def too_deep(max_depth: int) -> JsonRefused:
    return JsonRefused("too_deep", f"The JSON body is nested deeper than {max_depth} levels.")


def read_json(body: bytes, max_depth: int) -> Any:
    """The parsed body; JsonRefused when it is unreadable, nested deeper than
    `max_depth` arrays and objects, or holds a lone surrogate (in a key or a value)."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise too_deep(max_depth) from None
    except ValueError:  # also invalid UTF-8 (UnicodeDecodeError is a ValueError)
        raise NOT_JSON from None
    check_value(value, max_depth)
    return value


def check_value(value: Any, max_depth: int) -> None:
    """JsonRefused when `value` is too deep or holds a lone surrogate; walked with an
    explicit stack, so no depth can exhaust Python's recursion here."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                raise BAD_TEXT
        elif isinstance(item, dict | list):
            if depth >= max_depth:
                raise too_deep(max_depth)
            children = item.values() if isinstance(item, dict) else item
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
            stack.extend((child, depth + 1) for child in children)
