"""Everything the assistant says to the public reads at US grade 8 or below (Plain Writing
Act, 21st Century IDEA), speaks to "you", and explains its acronyms."""

from __future__ import annotations

import re

import pytest
import yaml

from actions.clients.content import all_lookups
from bot.settings import REPO_ROOT
from tests.bot.test_domain import domain
from tests.support.plain_language import MAX_GRADE, grade, too_hard, unexplained_acronyms

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
IMPERSONAL = re.compile(r"\b(the (user|customer|applicant|beneficiary|claimant)s?)\b", re.I)


def a11_statements() -> set[str]:
    """The A-11 survey statements: OMB's wording, to be used without modification, so
    their reading level is not ours to change (data/survey.yml lists them)."""
    survey = yaml.safe_load((REPO_ROOT / "data" / "survey.yml").read_text(encoding="utf-8"))
    return {f"utter_ask_survey_{question['id']}" for question in survey["questions"]}


def public_responses() -> list[tuple[str, str]]:
    texts = []
    for name, variations in domain().responses.items():
        for variation in variations:
            if variation.get("channel") in (
                None,
                "",
                "socketio",
                "rest",
                "collector",
            ) and variation.get("text"):
                # Filled-in values (names, links, dates) are scored where they are written.
                texts.append((name, PLACEHOLDER.sub("it", variation["text"])))
    return texts


def lookup_texts() -> list[tuple[str, str]]:
    return [
        (f"{lookup}.{code}.{part}", getattr(words, part))
        for lookup, content in all_lookups().items()
        for code, words in content.statuses.items()
        for part in ("text", "next", "action")
    ]


@pytest.mark.parametrize("source", [public_responses, lookup_texts], ids=["domain", "lookups"])
def test_grade_8_or_below(source) -> None:  # type: ignore[no-untyped-def]
    exempt = a11_statements()
    hard = [
        (name, round(grade(text), 1))
        for name, text in source()
        if too_hard(text) and name not in exempt
    ]
    assert not hard, f"above grade {MAX_GRADE}: {hard}"


@pytest.mark.parametrize("source", [public_responses, lookup_texts], ids=["domain", "lookups"])
def test_acronyms_are_explained(source) -> None:  # type: ignore[no-untyped-def]
    found = {name: sorted(unexplained_acronyms(text)) for name, text in source()}
    assert not {k: v for k, v in found.items() if v}


def test_the_person_is_addressed_as_you() -> None:
    impersonal = [
        name for name, text in public_responses() + lookup_texts() if IMPERSONAL.search(text)
    ]
    assert not impersonal, impersonal
