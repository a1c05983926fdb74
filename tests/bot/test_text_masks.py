"""Identifiers in the forms people type them are masked; ordinary words and numbers stay."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.text_masks import keep_last4_digits, luhn_valid, mask_text

# (what a person typed, what may be stored)
MASKED = [
    # Social Security numbers: every separator, and none
    ("my ssn is 123-45-6789", "my ssn is ***-**-****"),
    ("123 45 6789", "***-**-****"),
    ("123456789", "***-**-****"),
    ("ssn 123.45.6789", "ssn ***-**-****"),
    ("ssn 123\u201345\u20136789", "ssn ***-**-****"),  # en dash
    ("ssn 123\u201445\u20146789", "ssn ***-**-****"),  # em dash
    ("ssn 123 - 45 - 6789.", "ssn ***-**-****."),
    ("SSN:123/45/6789", "SSN:***-**-****"),
    ("ssn 123_45_6789", "ssn ***-**-****"),
    ("ssn 123-45.6789", "ssn ***-**-****"),
    ("ssn 123 -- 45 -- 6789", "ssn ***-**-****"),
    ("ssn 123 456 789", "ssn ***-**-****"),
    ("I have a 123-45-6789", "I have a ***-**-****"),
    ("claim 600123456", "claim ***-**-****"),  # nine digits may be an SSN
    # Dates
    ("born 1985-03-14", "born **/**/****"),
    ("born 1985/03/14", "born **/**/****"),
    ("born 1985.03.14", "born **/**/****"),
    ("born 03/14/1985 in Ohio", "born **/**/**** in Ohio"),
    ("born 3-14-85", "born **/**/****"),
    ("born 14.03.1985", "born **/**/****"),
    ("born 03\u201314\u20131985", "born **/**/****"),
    ("born 03 14 1985", "born **/**/****"),
    ("born 19850314", "born **/**/****"),
    ("born 03141985", "born **/**/****"),
    ("March 14, 1985", "**/**/****"),
    ("born Mar. 14th 1985", "born **/**/****"),
    ("born Mar-14-1985", "born **/**/****"),
    ("born 14-Mar-1985", "born **/**/****"),
    ("14th of march 1985", "**/**/****"),
    ("the 14th of March, 1985", "the **/**/****"),
    ("nací el 14 de marzo de 1985", "nací el **/**/****"),
    # Phone numbers: the last four stay
    ("call me at 202.555.0143", "call me at ***.***.0143"),
    ("call me at (202) 555-0143", "call me at (***) ***-0143"),
    ("call me at 202 555 0143", "call me at *** *** 0143"),
    ("call me at +1 202 555 0143", "call me at +* *** *** 0143"),
    ("my cell is 555.123.4567", "my cell is ***.***.4567"),
    ("call me at 555-1234", "call me at ***-1234"),
    ("ring +44 20 7946 0958", "ring +** ** **** 0958"),
    # Payment cards (Luhn-checked): the last four stay
    ("card 4111 1111 1111 1111", "card **** **** **** 1111"),
    ("card 4111-1111-1111-1111", "card ****-****-****-1111"),
    ("amex 3782 822463 10005", "amex **** ****** *0005"),
    # USCIS A-numbers
    ("A123456789", "A*****6789"),
    ("my A number is A 123 456 789", "my A number is A *** **6 789"),
    ("A-number: 123-456-789", "A-number: ***-**6-789"),
    ("A# 12345678", "A# ****5678"),
    ("a-number 123 456 789", "a-number *** **6 789"),
    # ZIP+4, street addresses, PO boxes
    ("zip 20500-0003", "zip *****-****"),
    ("I live at 123 Main St Apt 4B, Springfield", "I live at [address], Springfield"),
    ("1600 Pennsylvania Avenue NW, Washington", "[address], Washington"),
    ("mail goes to 42 w 5th street #3", "mail goes to [address]"),
    ("send it to 7 Elm Rd.", "send it to [address]"),
    ("4200 Oak Grove Blvd unit 12", "[address]"),
    ("1 Infinite Way", "[address]"),
    ("PO Box 1234", "[address]"),
    ("P.O. Box 77", "[address]"),
    # Case, claim, application, account numbers and e-mail (format kept from before)
    ("receipt IOE0912345678", "receipt *********5678"),
    ("FSA-2026-004417", "***-****-**4417"),
    ("registration 4401234567", "registration ******4567"),
    ("mail me at maria.rivera@example.com", "mail me at ***@***"),
    ("account 000123456789", "account ********6789"),
    ("MBI 1EG4TE5MK73", "MBI *******MK73"),
    # Identity details given outside a lookup: the last four and the family name go too
    ("Rivera, born 03/14/1985, last four 4821", "[name], born **/**/****, last four ****"),
    ("hi, Maria Rivera, born 03/14/1985", "hi, [name], born **/**/****"),
    ("it's Nguyen, dob 1985-03-14", "it's [name], dob **/**/****"),
    ("de la Cruz, born 03/14/1985", "[name], born **/**/****"),
    ("Rivera 03/14/1985 4821", "[name] **/**/**** ****"),
    ("last name is Okafor", "last name is [name]"),
    ("surname: Nguyen", "surname: [name]"),
    ("my name is Maria Rivera and I need help", "my name is [name] and I need help"),
    ("me llamo Ana García", "me llamo [name]"),
    ("last four of my social are 4821", "last four of my social are ****"),
    ("my ssn ends in 7712", "my ssn ends in ****"),
    ("card ending in 1111", "card ending in ****"),
    ("los últimos cuatro son 4821", "los últimos cuatro son ****"),
    ("mi seguro social termina en 7712", "mi seguro social termina en ****"),
    # ... but a label or an ordinary opening is not taken for a name
    ("Note: caller born 03/14/1985", "Note: caller born **/**/****"),
    ("I'm retiring, my SSN is 123 45 6789", "I'm retiring, my SSN is ***-**-****"),
]

# Ordinary text the assistant, the studio and the insights need as it was typed.
KEPT = [
    "I retire in 2027",
    "I'm 64",
    "help with my student loans",
    "$1,250",
    "I owe $1,842 on my loan",
    "it costs 123,456,789 in total",
    "step 3 of 5",
    "I have 120 PSLF payments",
    "I made 120 qualifying payments out of 120",
    "form 1040 line 35",
    "I filed an I-485 and a DD-214",
    "my 1099-R is wrong",
    "call 1-800-772-1213",  # an agency's toll-free line, not the person's
    "I called 800.829.1040 twice",
    "my 2 kids drive me crazy",
    "3 times the street price",
    "is there 1 other way to apply",
    "I waited 45 minutes in the court",
    "between 2019 and 2024",
    "I paid 1200 in 2025",
    "zip 20500",
    "from 9 to 5",
    "meeting at 10:30 am",
    "rate it 4 out of 5",
    "where is my passport",
    "Rivera",  # a bare word with no identity details around it
    "thanks Rivera",
    "born in Ohio",
    "2024-2025 school year",
    "I served 20 years in the Army",
    "[identity details, not kept]",
]


@pytest.mark.parametrize("typed, stored", MASKED)
def test_identifiers_are_masked_in_every_common_format(typed: str, stored: str) -> None:
    assert mask_text(typed) == stored
    assert mask_text(stored) == stored, "masking twice changes nothing"


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_words_and_numbers_stay(text: str) -> None:
    assert mask_text(text) == text


def test_the_table_covers_at_least_forty_formats() -> None:
    assert len(MASKED) >= 40 and len(KEPT) >= 20


def test_only_luhn_valid_digit_groups_are_cards() -> None:
    assert luhn_valid("4111111111111111") and luhn_valid("378282246310005")
    assert not luhn_valid("4111111111111112")
    # Sixteen digits in groups that fail the check are not a card; as a bare run they
    # are still a number token, masked all but the last four.
    assert mask_text("4111 1111 1111 1112") == "4111 1111 1111 1112"
    assert mask_text("4111111111111112") == "************1112"


def test_keeping_the_last_four_digits_keeps_separators_and_letters() -> None:
    assert keep_last4_digits("(202) 555-0143") == "(***) ***-0143"
    assert keep_last4_digits("A 123") == "A 123"


# Any characters that are not letters or digits, up to four of them, between the
# groups: spaces of every kind, tabs and line breaks, dots, slashes, dashes of every
# kind, brackets, quotes, other punctuation and symbols (+, =, ~, $, °).
_SEPARATOR_CHAR = st.one_of(
    st.characters(
        whitelist_categories=("Zs", "Pd", "Po", "Pc", "Ps", "Pe", "Pi", "Pf", "Sm", "Sc", "So")
    ),
    st.sampled_from("\t\n\r"),
)
_SEPARATOR = st.text(_SEPARATOR_CHAR, min_size=0, max_size=4)
_WORDS = st.sampled_from(["", "my ssn is ", "SSN: ", "it is ", "social ", "número "])
_AFTER = st.sampled_from(["", " thanks", ", born in Ohio", ". help", "!"])


@settings(max_examples=400)
@given(
    digits=st.text("0123456789", min_size=9, max_size=9),
    first=_SEPARATOR,
    second=_SEPARATOR,
    before=_WORDS,
    after=_AFTER,
)
@example(digits="123456789", first="\u2013", second="\u2013", before="", after="")
@example(digits="123456789", first=" . ", second=" / ", before="SSN: ", after="!")
def test_no_digit_of_an_ssn_survives_whatever_its_separators(
    digits: str, first: str, second: str, before: str, after: str
) -> None:
    typed = f"{before}{digits[:3]}{first}{digits[3:5]}{second}{digits[5:]}{after}"
    masked = mask_text(typed)
    assert not re.search(r"\d", masked), f"{typed!r} was stored as {masked!r}"
