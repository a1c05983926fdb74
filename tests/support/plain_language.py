"""Plain-language checks shared by the catalog and domain tests (Plain Writing Act)."""

from __future__ import annotations

import re

import textstat

MAX_GRADE = 8.0
SHORT_TEXT_WORDS = 6  # grade formulas mean nothing on a few words
# Capitals that start an example number (FSA-2026-004417) are not acronyms.
ACRONYM = re.compile(r"\b[A-Z]{2,}\b(?![-\d])")
# Names people know as words, not as abbreviations to explain.
KNOWN = {"ID", "REAL", "GI", "TTY", "OK"}


# Names of agencies and programs are read as names, not decoded word by word; the
# formula would count "Supplemental Security Income" as three hard words. They are
# replaced by a short placeholder before scoring; everything around them is scored.
PROPER_NAMES = [
    "CX Navigator",
    "Centers for Medicare & Medicaid Services",
    "Children's Health Insurance Program",
    "Federal Emergency Management Agency",
    "Supplemental Security Income",
    "Public Service Loan Forgiveness",
    "Transition Assistance Program",
    "Known Traveler Number",
    "Default Resolution Group",
    "Social Security",
    "Veterans Affairs",
    "HealthCare.gov",
    "Global Entry",
    "PreCheck",
    "GI Bill",
    "Medicare",
    "Medicaid",
    "Extra Help",
    "Login.gov",
    "ID.me",
]


def without_names(text: str, names: list[str] = PROPER_NAMES) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "it")
    return text


def grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(without_names(text))


def too_hard(text: str) -> bool:
    return len(without_names(text).split()) >= SHORT_TEXT_WORDS and grade(text) > MAX_GRADE


def unexplained_acronyms(text: str, explained: set[str] = frozenset()) -> set[str]:
    """Acronyms not expanded in the text itself, "(SSI)", nor explained by context."""
    defined = set(re.findall(r"\(([A-Z]{2,})\)", text))
    return set(ACRONYM.findall(without_names(text))) - defined - KNOWN - set(explained)
