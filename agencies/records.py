"""Finding a case the way an agency does: by its key, then every identity fact must match."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agencies.models import Record
from bot.identity_match import comparable, same_fact


def find_record(session: Session, agency: str, key: str, **facts: Any) -> Record | None:
    """The record with this key whose identity facts all match, else None.

    The caller cannot tell "no such case" from "details do not match": both are None.
    """
    rows = session.scalars(
        select(Record).where(Record.agency == agency, Record.lookup_key == comparable(key))
    )
    for record in rows:
        if all(same_fact(record.identity.get(name, ""), v) for name, v in facts.items()):
            return record
    return None


def another_person(session: Session, agency: str, record_id: str | None) -> Record | None:
    """Some other record of the agency: what a buggy back end returns (fault `wrong_person`)."""
    return session.scalars(
        select(Record).where(Record.agency == agency, Record.record_id != (record_id or ""))
    ).first()
