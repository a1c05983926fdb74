"""Identity facts compare the way agencies match them."""

from __future__ import annotations

import pytest

from bot.identity_match import comparable, same_fact


@pytest.mark.parametrize(
    "typed, on_record",
    [
        ("Peña", "Pena"),
        ("PEÑA", "peña"),
        ("Smith-Jones", "Smith Jones"),
        ("O'Brien", "OBrien"),
        ("O\u2019Brien", "o'brien"),
        ("Strauß", "Strauss"),
        ("Øvergaard", "Overgaard"),
        ("Łukasz", "Lukasz"),
        (" FSA-2026-004417 ", "fsa2026004417"),
        ("1985-03-14", "19850314"),
    ],
)
def test_spellings_an_agency_takes_as_one_are_one(typed: str, on_record: str) -> None:
    assert same_fact(typed, on_record)


@pytest.mark.parametrize("a, b", [("Pena", "Penn"), ("Rivera", "Riviera"), ("4821", "4812")])
def test_different_facts_stay_different(a: str, b: str) -> None:
    assert not same_fact(a, b)


def test_names_in_other_scripts_never_fold_to_nothing() -> None:
    assert comparable("Иванов") == "иванов"
    assert comparable("李") == "李"
    assert not same_fact("李", "王")
