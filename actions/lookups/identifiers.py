"""Read identity details (names, dates, case numbers) out of what a person typed.

The kinds of reading are code; which identifiers exist and what they look like
is content (data/identifiers.yml), so a new agency's number format is a YAML edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, validator

from bot.identity_phrases import LAST4_PHRASE, NAME_CHARS, NAME_END, NAME_LEAD, NAME_PHRASE
from bot.settings import REPO_ROOT

SPEC_FILE = REPO_ROOT / "data" / "identifiers.yml"

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
US_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")
MONTH_FIRST = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
DAY_FIRST = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\.?,?\s+(\d{{4}})\b", re.I
)
FULL_SSN = re.compile(r"\b\d{3}[-\s]?\d{2}[-\s]?(\d{4})\b")
BARE_4 = re.compile(r"^\D*(\d{4})\D*$")
MONEY = re.compile(
    r"\$\s*([\d,]+)(?:\.(\d{2}))?|\b([\d,]+)(?:\.(\d{2}))?\s*(?:dollars|bucks)\b", re.I
)
BARE_NUMBER = re.compile(r"^\D*?([\d,]+)(?:\.(\d{2}))?\D*$")


class IdentifierSpec(BaseModel):
    kind: Literal["name", "date", "last4", "money", "choice", "pattern"]
    pattern: str | None = None
    format: str = "{0}"
    requested_only: bool = False
    choices: dict[str, list[str]] = {}

    @validator("pattern")
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    class Config:
        extra = "forbid"


@dataclass(frozen=True)
class Reading:
    """What the text held for one identifier; `value` None means "tried, but not valid"."""

    value: str | None
    notes: frozenset[str] = field(default_factory=frozenset)


@cache
def specs(path: Path = SPEC_FILE) -> dict[str, IdentifierSpec]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["identifiers"]
    return {name: IdentifierSpec.parse_obj(spec) for name, spec in raw.items()}


def read(identifier: str, text: str, requested: bool, today: date | None = None) -> Reading | None:
    """The identifier in `text`, or None when the text does not mention it at all."""
    spec = specs()[identifier]
    text = text.strip()
    if spec.kind == "date":
        return _read_date(text, requested, today or date.today())
    return _READERS[spec.kind](spec, text, requested)


def _read_name(spec: IdentifierSpec, text: str, requested: bool) -> Reading | None:
    explicit = NAME_PHRASE.search(text)
    if explicit:
        candidate = explicit.group(1)
    elif requested:
        first_clause = NAME_END.split(text, maxsplit=1)[0]
        candidate = NAME_LEAD.sub("", first_clause).strip(" .!,;:\"'")
        words = candidate.split()
        if len(words) in (2, 3) and NAME_LEAD.match(first_clause):
            candidate = words[-1]  # "my name is Maria Rivera" -> the family name
    else:
        return None
    if NAME_CHARS.match(candidate) and len(candidate) <= 40 and len(candidate.split()) <= 3:
        return Reading(candidate)
    return Reading(None)


def _valid_date(year: int, month: int, day: int, today: date) -> date | None:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    if value > today or value.year < today.year - 125:
        return None
    return value


def _read_date(text: str, requested: bool, today: date) -> Reading | None:
    candidates: list[tuple[int, int, int]] = []
    for m in ISO_DATE.finditer(text):
        candidates.append((int(m[1]), int(m[2]), int(m[3])))
    for m in US_DATE.finditer(text):
        year = int(m[3])
        if year < 100:  # 2-digit year: the most recent past century
            year += 2000 if 2000 + year <= today.year else 1900
        candidates.append((year, int(m[1]), int(m[2])))
    for m in MONTH_FIRST.finditer(text):
        candidates.append((int(m[3]), MONTHS[m[1].lower()], int(m[2])))
    for m in DAY_FIRST.finditer(text):
        candidates.append((int(m[3]), MONTHS[m[2].lower()], int(m[1])))
    if not candidates:
        return Reading(None) if requested else None
    value = _valid_date(*candidates[0], today)
    return Reading(value.isoformat() if value else None)


def _read_last4(spec: IdentifierSpec, text: str, requested: bool) -> Reading | None:
    phrase = LAST4_PHRASE.search(text)
    if phrase:
        return Reading(phrase.group(1))
    full = FULL_SSN.search(text)
    if full and (requested or "ssn" in text.lower() or "social" in text.lower()):
        return Reading(full.group(1), frozenset({"full_ssn"}))
    if requested:
        bare = BARE_4.match(text)
        return Reading(bare.group(1) if bare else None)
    return None


def _read_money(spec: IdentifierSpec, text: str, requested: bool) -> Reading | None:
    match = MONEY.search(text) or (BARE_NUMBER.match(text) if requested else None)
    if not match:
        return Reading(None) if requested else None
    whole = next(g for g in match.groups() if g is not None).replace(",", "")
    return Reading(str(int(whole))) if whole.isdigit() and int(whole) > 0 else Reading(None)


def _read_choice(spec: IdentifierSpec, text: str, requested: bool) -> Reading | None:
    lowered = f" {text.lower()} "
    synonyms = sorted(
        ((s, key) for key, words in spec.choices.items() for s in words),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    for synonym, key in synonyms:
        if re.search(rf"\b{re.escape(synonym)}\b", lowered):
            return Reading(key)
    return Reading(None) if requested else None


def _read_pattern(spec: IdentifierSpec, text: str, requested: bool) -> Reading | None:
    if spec.requested_only and not requested:
        return None
    match = re.search(spec.pattern or "", text.upper())
    if match:
        return Reading(spec.format.format(*match.groups()))
    return Reading(None) if requested else None


_READERS = {
    "name": _read_name,
    "last4": _read_last4,
    "money": _read_money,
    "choice": _read_choice,
    "pattern": _read_pattern,
}
