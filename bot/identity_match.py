"""How identity facts are compared: the way agencies match names and case numbers.

A person types "Peña", "PENA" or "pena"; "Smith-Jones" or "Smith Jones"; "O'Brien" or
"OBrien"; the agency's record holds one of them. Agencies match these as the same
name, so everything that compares identity facts uses this one rule: the agency
(agencies/records.py), the client checking that an answer is about the person asked
for (actions/clients/base.py) and the lookup's miss counter (actions/lookups/misses.py),
which must count "Pena" and "Peña" as one person.
"""

from __future__ import annotations

import unicodedata
from typing import Any

# Letters that carry no accent to strip but are written without one on an ASCII form.
UNDECOMPOSED = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "\u0131": "i"}  # \u0131: dotless i
    | {"þ": "th", "æ": "ae", "œ": "oe"}
)


def comparable(value: Any) -> str:
    """`value` as agencies compare it: case, accents, spaces and punctuation aside
    ("Peña" == "pena", "O'Brien" == "obrien", "1985-03-14" == "19850314").

    Letters of other scripts are kept, so a name in Cyrillic or Han never folds to
    nothing (an empty name would match any other empty one).
    """
    text = unicodedata.normalize("NFKD", str(value).casefold()).translate(UNDECOMPOSED)
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


def same_fact(a: Any, b: Any) -> bool:
    return comparable(a) == comparable(b)
