"""Demo records load into the mock agencies' own database, SQLite or PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agencies.content import RECORDS_DIR, agency_files
from agencies.models import Record
from agencies.records import find_record
from agencies.seed import seed_agencies
from bot.db import session_scope


def _count(url: str) -> int:
    with session_scope(url) as db:
        return db.scalar(select(func.count()).select_from(Record))


def test_seeding_is_done_once_unless_reset(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'agencies.db'}"
    assert seed_agencies(url) is True
    total = _count(url)
    assert total >= 45
    assert seed_agencies(url) is False
    assert seed_agencies(url, reset=True) is True
    assert _count(url) == total


def test_every_file_has_records_and_its_key(tmp_path: Path) -> None:
    for agency in agency_files():
        assert agency.records, agency.agency
        assert all(agency.key in r.identity for r in agency.records)


def test_a_file_named_for_another_agency_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "records"
    shutil.copytree(RECORDS_DIR, directory)
    (directory / "state.yml").rename(directory / "nasa.yml")
    agency_files.cache_clear()
    try:
        with pytest.raises(ValueError, match="must match the file name"):
            agency_files(directory)
    finally:
        agency_files.cache_clear()


@pytest.mark.integration
def test_seeding_on_postgres(postgres_url: str) -> None:
    assert seed_agencies(postgres_url) is True
    with session_scope(postgres_url) as db:
        record = find_record(db, "usda_fsa", "fsa-2026-004417", last_name="JENSEN")
        assert record is not None
        assert record.response["status"] == "INCOMPLETE"
