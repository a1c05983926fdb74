"""CSV files the product exports, safe to open in a spreadsheet.

A cell that starts with =, +, -, @ (or a tab or carriage return) is a formula to Excel,
LibreOffice and Google Sheets: text a person or an editor typed ("=HYPERLINK(...)")
would run in the reader's spreadsheet. Such text cells get a leading apostrophe, which
spreadsheets show as text (OWASP's advice for CSV injection); numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` as it may appear in an exported cell."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """RFC 4180 CSV (CRLF line ends, quotes where needed) with a header row; every
    cell through `safe_cell`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return out.getvalue()
