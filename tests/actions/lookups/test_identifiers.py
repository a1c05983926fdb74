from __future__ import annotations

from datetime import date

import pytest

from actions.lookups.identifiers import Reading, read, specs

TODAY = date(2026, 11, 25)


def value(identifier: str, text: str, requested: bool = True) -> str | None:
    reading = read(identifier, text, requested, today=TODAY)
    return None if reading is None else reading.value


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1985-03-14", "1985-03-14"),
        ("03/14/1985", "1985-03-14"),
        ("3/14/85", "1985-03-14"),
        ("born March 14, 1985", "1985-03-14"),
        ("14 march 1985", "1985-03-14"),
        ("my birthday is mar 14th 1985 ok", "1985-03-14"),
    ],
)
def test_dates_in_the_forms_people_write(text: str, expected: str) -> None:
    assert value("date_of_birth", text) == expected


@pytest.mark.parametrize("text", ["02/30/1990", "2030-01-01", "1850-01-01", "soon"])
def test_impossible_or_missing_dates_are_invalid_when_asked(text: str) -> None:
    assert read("date_of_birth", text, requested=True, today=TODAY) == Reading(None)


def test_a_date_is_not_invented_from_an_unrelated_message() -> None:
    assert read("date_of_birth", "my passport please", requested=False) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Rivera", "Rivera"),
        ("it's Nguyen", "Nguyen"),
        ("my name is Maria Rivera", "Rivera"),
        ("O'Brien-Smith", "O'Brien-Smith"),
        ("de la Cruz", "de la Cruz"),
        ("last name is Okafor, born 11/30/1994", "Okafor"),
    ],
)
def test_last_names(text: str, expected: str) -> None:
    assert value("last_name", text) == expected


def test_a_name_is_read_unasked_only_when_named_as_such() -> None:
    assert read("last_name", "Rivera", requested=False) is None
    assert value("last_name", "last name Jensen", requested=False) == "Jensen"
    assert value("last_name", "12345") is None


@pytest.mark.parametrize(
    "text, expected, requested",
    [
        ("4821", "4821", True),
        ("last four are 4821", "4821", False),
        ("my ssn ends in 7712", "7712", False),
        ("los últimos cuatro son 4821", "4821", False),
        ("123-45-4821", "4821", True),
    ],
)
def test_last_four_of_ssn(text: str, expected: str, requested: bool) -> None:
    assert value("ssn_last4", text, requested) == expected


def test_a_full_ssn_keeps_only_the_last_four_and_says_so() -> None:
    reading = read("ssn_last4", "it's 123 45 4821", requested=True)
    assert reading == Reading("4821", frozenset({"full_ssn"}))


@pytest.mark.parametrize(
    "identifier, text, expected",
    [
        ("receipt_number", "ioe0912345678", "IOE0912345678"),
        ("receipt_number", "my receipt is IOE-0912345678", "IOE0912345678"),
        ("application_number", "fsa 2026 004417", "FSA-2026-004417"),
        ("claim_id", "600123456", "600123456"),
        ("mbi", "1EG4-TE5-MK73", "1EG4TE5MK73"),
        ("refund_amount", "$1,250", "1250"),
        ("refund_amount", "about 980 dollars", "980"),
        ("refund_amount", "1250", "1250"),
        ("filing_status", "married filing jointly", "married_joint"),
        ("filing_status", "I'm single", "single"),
        ("filing_status", "HOH", "head_of_household"),
    ],
)
def test_numbers_and_choices(identifier: str, text: str, expected: str) -> None:
    assert value(identifier, text) == expected


def test_a_bare_nine_digit_number_counts_only_when_asked_for() -> None:
    assert read("claim_id", "600123456", requested=False) is None
    assert read("registration_id", "600123456", requested=False) is None


def test_a_wrong_receipt_number_is_invalid_not_ignored() -> None:
    assert read("receipt_number", "IOE123", requested=True) == Reading(None)


def test_every_identifier_kind_is_known() -> None:
    assert {"last_name", "date_of_birth", "ssn_last4", "receipt_number"} <= set(specs())
