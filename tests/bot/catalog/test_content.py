"""The repository's catalog seed: complete, official, and in plain language."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

import pytest

from bot.catalog.schema import CatalogSeed
from bot.catalog.seed import read_seed
from tests.support.plain_language import MAX_GRADE, grade, too_hard, unexplained_acronyms

# The table: life experience -> agencies that must be involved (at least).
REQUIRED_AGENCIES = {
    "retirement": {"ssa", "cms", "opm", "irs"},
    "student_loans": {"ed_fsa"},
    "new_child": {"ssa", "state", "usda_fns", "cms", "irs", "hhs_acf"},
    "disaster_recovery": {"fema", "sba", "usda_fsa", "dol", "irs"},
    "military_transition": {"va", "dod", "dol"},
    "financial_shock": {"dol", "usda_fns", "cms", "hhs_acf"},
    "travel": {"state", "tsa", "cbp"},
    "farming": {"usda_fsa", "usda_nrcs", "usda_rma"},
    "health_coverage": {"cms"},
    "loss_of_loved_one": {"ssa", "va", "ed_fsa", "cms", "irs"},
    "disability": {"ssa", "va", "ed_fsa", "dol", "cms"},
}
QUESTIONS = {
    "retirement": ["federal_employee", "near_65"],
    "student_loans": ["payment_trouble", "public_service"],
    "new_child": ["child_arrived", "low_income"],
    "disaster_recovery": ["business_owner", "farmer"],
    "military_transition": ["separated", "service_injury"],
    "financial_shock": ["lost_job", "has_health_coverage"],
    "travel": ["international", "frequent_flyer"],
    "farming": ["new_farmer", "has_loan_application"],
    "health_coverage": ["near_65", "low_income"],
    "loss_of_loved_one": ["deceased_veteran", "survivor"],
    "disability": ["veteran", "worked_recently"],
}


@cache
def seed() -> CatalogSeed:
    return read_seed()


def test_size() -> None:
    assert len(seed().services) >= 45
    assert len({s.agency for s in seed().services}) >= 15


def test_the_contract_ids_and_their_questions() -> None:
    assert {e.id: e.questions for e in seed().life_experiences} == QUESTIONS


@pytest.mark.parametrize("experience", sorted(REQUIRED_AGENCIES))
def test_each_experience_involves_the_agencies_it_must(experience: str) -> None:
    services = {s.id: s for s in seed().services}
    exp = next(e for e in seed().life_experiences if e.id == experience)
    offered = {services[o.service].agency for o in exp.offers}
    assert len(exp.offers) >= 4
    assert REQUIRED_AGENCIES[experience] <= offered, REQUIRED_AGENCIES[experience] - offered


def test_every_link_is_an_official_https_government_address() -> None:
    for item in [*seed().agencies, *seed().services]:
        parts = urlsplit(item.url)
        assert parts.scheme == "https", item.id
        assert parts.hostname.endswith((".gov", ".mil")) or parts.hostname in {
            "studentaid.gov",
            "childcare.gov",
        }, f"{item.id}: {item.url}"


def _public_texts() -> list[tuple[str, str, set[str]]]:
    """(where, text, acronyms explained by context) for everything people read."""
    agencies = {a.id: a for a in seed().agencies}
    texts = []
    for service in seed().services:
        # A step shows "Title (Agency name): summary", so the agency's acronym is explained.
        context = {agencies[service.agency].acronym, *_defined_in(service.title)}
        texts += [(f"{service.id}.title", service.title, context)]
        texts += [(f"{service.id}.summary", service.summary, context)]
        if service.eligibility:
            texts += [(f"{service.id}.eligibility", service.eligibility, context)]
        texts += [(f"{service.id}.steps", step, context) for step in service.steps]
    for exp in seed().life_experiences:
        texts += [(f"{exp.id}.title", exp.title, set()), (f"{exp.id}.summary", exp.summary, set())]
    return texts


def _defined_in(text: str) -> set[str]:
    import re

    return set(re.findall(r"\(([A-Z]{2,})\)", text))


def test_every_public_text_reads_at_grade_8_or_below() -> None:
    hard = [(where, round(grade(text), 1)) for where, text, _ in _public_texts() if too_hard(text)]
    assert not hard, f"above grade {MAX_GRADE}: {hard}"


def test_no_unexplained_acronyms() -> None:
    found = {
        where: sorted(unexplained_acronyms(text, context))
        for where, text, context in _public_texts()
        if unexplained_acronyms(text, context)
    }
    assert not found, found


def test_summaries_speak_to_you() -> None:
    missing = [s.id for s in seed().services if "you" not in s.summary.lower()]
    assert not missing, missing
