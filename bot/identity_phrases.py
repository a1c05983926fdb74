"""How people word identity details: "last name is Rivera", "last four 4821".

Two readers share these phrases: the lookup forms read the values out of them
(actions.lookups.identifiers), and masking hides the same values before anything is
stored (bot.privacy). One definition keeps what is read and what is hidden in step.
"""

from __future__ import annotations

import re

# "last four are 4821", "my ssn ends in 7712", "ending in 1111", "los últimos cuatro son
# 4821", "termina en 7712": group 1 is the digits.
LAST4_CUE = (
    r"(?:last\s*(?:4|four)(?:\s*digits)?|ending(?:\s*in)?|ends\s*(?:in|with)|"
    r"[uú]ltimos\s*(?:4|cuatro)(?:\s*d[ií]gitos)?|termina\s*en)\D{0,20}?"
)
LAST4_PHRASE = re.compile(rf"{LAST4_CUE}(\d{{4}})\b", re.I)
# "last name is Okafor", "surname: Nguyen": group 1 is the family name.
NAME_PHRASE = re.compile(
    r"\b(?:last\s*name|surname|family\s*name)\s*(?:is|:)?\s+([^\s,.;]+(?:[-'][^\s,.;]+)?)", re.I
)
# What may stand before a name given as an answer: "it's Nguyen", "my name is ...".
NAME_LEAD = re.compile(
    r"^(?:it'?s|it is|this is|i'?m|i am|my name is|name is|the name is|name:)\s+", re.I
)
# Where a name given alongside other details ends: "Rivera, born 03/14/1985".
NAME_END = re.compile(r"[,;]|\s(?:born|dob|date of birth|ssn|social|last\s*(?:4|four)|and)\b", re.I)
# Letters only, in up to a few words joined by spaces, apostrophes, hyphens or dots.
NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*$")
