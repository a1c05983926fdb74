"""The miss ledger: what counts, what is given back, and which details name a case."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.clients.content import all_lookups
from actions.lookups.misses import Limits, MissLedger, SqlCounts, case_key
from bot.settings import REPO_ROOT

FORMS = yaml.safe_load((REPO_ROOT / "bot" / "domain" / "lookups.yml").read_text())["forms"]
NOW = 1_800_000_000.0


@pytest.mark.parametrize("lookup", sorted(all_lookups()))
def test_a_case_is_named_by_details_its_form_asks_never_by_all_of_them(lookup: str) -> None:
    asked = FORMS[f"{lookup}_form"]["required_slots"]
    named_by = all_lookups()[lookup].identified_by
    assert set(named_by) <= set(asked)
    assert named_by == asked or set(named_by) < set(asked), "a guessed detail never names it"
    if "date_of_birth" in asked:
        assert "date_of_birth" not in named_by, "the birth date is what a stranger guesses"


def test_spellings_of_one_name_are_one_case() -> None:
    named_by = ["last_name", "ssn_last4"]
    keys = {
        case_key("passport", named_by, {"last_name": name, "ssn_last4": "4821"})
        for name in ("Peña", "PENA", "pe-na")
    }
    assert len(keys) == 1


def test_an_agency_outage_costs_nothing_and_counts_lapse(tmp_path: Path) -> None:
    ledger = MissLedger(SqlCounts(f"sqlite:///{tmp_path / 'm.db'}"), Limits(2, 10, 60))
    for _ in range(5):
        assert ledger.attempt("case:a", "address:x", now=NOW).allowed
        ledger.unanswered("case:a", "address:x")
    assert ledger.attempt("case:a", "address:x", now=NOW).allowed
    last = ledger.attempt("case:a", "address:x", now=NOW)
    assert (last.allowed, last.last) == (True, True)
    assert not ledger.attempt("case:a", "address:x", now=NOW + 59).allowed
    assert ledger.attempt("case:a", "address:x", now=NOW + 59 + 61).allowed, "lapsed"
