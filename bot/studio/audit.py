"""The studio's audit log: every change, who made it, when, and the item before and after."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import csv_export
from bot.studio.models import StudioAudit, iso

EXPORT_COLUMNS = (
    "id",
    "at",
    "actor",
    "action",
    "item_type",
    "item_key",
    "comment",
    "before",
    "after",
)


def record(
    session: Session,
    actor: str,
    action: str,
    item_type: str,
    item_key: str = "",
    before: Any = None,
    after: Any = None,
    comment: str | None = None,
) -> None:
    """Written in the same transaction as the change, so there is no change without its entry."""
    session.add(
        StudioAudit(
            actor=actor,
            action=action,
            item_type=item_type,
            item_key=item_key,
            before=before,
            after=after,
            comment=comment,
        )
    )


def entries(
    session: Session,
    actor: str | None = None,
    item: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    query = select(StudioAudit).order_by(StudioAudit.id.desc()).limit(limit)
    if actor:
        query = query.where(StudioAudit.actor == actor)
    if item:
        query = query.where(StudioAudit.item_key.contains(item))
    if since:
        query = query.where(StudioAudit.at >= since)
    return [as_dict(row) for row in session.scalars(query)]


def as_dict(row: StudioAudit) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": iso(row.at),
        "actor": row.actor,
        "action": row.action,
        "item_type": row.item_type,
        "item_key": row.item_key,
        "comment": row.comment,
        "before": row.before,
        "after": row.after,
    }


def to_csv(rows: list[dict[str, Any]]) -> str:
    """One row per change; before and after as JSON text so a spreadsheet keeps them whole."""
    return csv_export.to_csv(
        (
            {
                **row,
                "before": json.dumps(row["before"], ensure_ascii=False),
                "after": json.dumps(row["after"], ensure_ascii=False),
            }
            for row in rows
        ),
        EXPORT_COLUMNS,
    )
