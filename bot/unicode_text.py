"""Text that is not valid Unicode: lone surrogates ("\\ud800").

JSON may spell a surrogate alone (`"\\ud800"`) and Python reads it into a `str` that
cannot be encoded as UTF-8: any page, database driver or Redis client that later
writes it fails. Every entrance refuses such text (`has_lone_surrogate`); every
reader of stored text repairs what older versions stored (`repaired`), so one bad
message can never take a page down.
"""

from __future__ import annotations

from typing import Any

REPLACEMENT = "\ufffd"  # what a repaired surrogate shows: the Unicode replacement character


def has_lone_surrogate(text: str) -> bool:
    """True when `text` cannot be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def repaired_text(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD; a pair spelled as two
    surrogates becomes the character it stands for."""
    if not has_lone_surrogate(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def repaired(value: Any) -> Any:
    """`value` (JSON-like: dicts, lists, strings) with every string repaired; the same
    object when nothing needed repair, so the common case costs no copy."""
    if isinstance(value, str):
        return repaired_text(value)
    if isinstance(value, dict):
        items = [(repaired(k), repaired(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(items, value.items(), strict=True)):
            return value
        return dict(items)
    if isinstance(value, list):
        items = [repaired(v) for v in value]
        if all(v is v0 for v, v0 in zip(items, value, strict=True)):
            return value
        return items
    return value
