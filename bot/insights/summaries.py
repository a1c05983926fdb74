"""Conversation summaries: what analytics needs of a conversation, kept after it is deleted.

Raw conversations are deleted after the retention period (bot.retention), but quarterly
A-11 figures need a whole quarter and more; so each conversation is reduced to one
ConversationSummary row, without a word the person typed, and that row outlives it.

    python -m bot.insights.summaries          # refresh once (incremental)
    python -m bot.insights.summaries --full   # re-read every stored conversation
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterable
from datetime import datetime, timezone
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.db import create_tables, engine_for, session_scope
from bot.insights.models import DEMO_PREFIX, ConversationSummary, SurveyResponse
from bot.insights.tracker_source import Event, iter_conversations
from bot.settings import REPO_ROOT, Settings, get_settings

log = logging.getLogger(__name__)

LOOKUPS_DIR = REPO_ROOT / "data" / "lookups"
FALLBACK_INTENT = "nlu_fallback"
HANDOFF_ACTION = "action_handoff"
SURVEY_OFFERED_STATES = {"offered", "asking"}
UNKNOWN_CHANNEL = "unknown"
# Re-read conversations active this long before the newest summary: an event is stamped
# when it happens but stored when the turn ends, so a slow turn (agency lookups) can land
# after a refresh has already moved past its timestamp.
OVERLAP_SECONDS = 300
WRITE_BATCH = 500


def to_datetime(timestamp: float) -> datetime:
    """Naive UTC, as every DateTime column of the product database."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).replace(tzinfo=None)


def to_epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=timezone.utc).timestamp()


@cache
def lookup_content(directory: Path = LOOKUPS_DIR) -> dict[str, dict[str, str | None]]:
    """{lookup id: {"agency": ..., "service": ...}} from data/lookups/*.yml (content, so read
    here rather than imported from the action server)."""
    found = {}
    for path in sorted(directory.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found[content.get("lookup", path.stem)] = {
            "agency": content.get("agency"),
            "service": content.get("service"),
        }
    return found


def _add_unique(items: list[str], values: Iterable[Any]) -> None:
    for value in values:
        if isinstance(value, str) and value and value not in items:
            items.append(value)


def summarize(conversation_id: str, events: Iterable[Event]) -> ConversationSummary | None:
    """One conversation's summary, or None when the person never wrote (a widget opened
    and closed is not a conversation)."""
    stamps: list[float] = []
    channel: str | None = None
    life_experiences: list[str] = []
    services: list[str] = []
    lookups: list[dict[str, str | None]] = []
    lookup: str | None = None
    handoff = survey_offered = False
    user_messages = fallbacks = 0
    # Slots carried over into a new session are re-set right after `session_started`;
    # they repeat earlier facts, so they update state but are not counted again.
    carrying_over = False

    for event in events:
        kind = event.get("event")
        timestamp = event.get("timestamp")
        if isinstance(timestamp, int | float):
            stamps.append(float(timestamp))
        if kind == "session_started":
            carrying_over = True
            continue
        if kind != "slot":
            carrying_over = False
        if kind == "user":
            user_messages += 1
            channel = channel or event.get("input_channel")
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent == FALLBACK_INTENT:
                fallbacks += 1
        elif kind == "action" and event.get("name") == HANDOFF_ACTION:
            handoff = True
        elif kind == "slot":
            name, value = event.get("name"), event.get("value")
            if name == "life_experience":
                _add_unique(life_experiences, [value])
            elif name == "services_shown" and isinstance(value, list):
                _add_unique(services, value)
            elif name == "lookup" and value:
                lookup = value
            elif name == "lookup_outcome" and value and not carrying_over:
                agency = lookup_content().get(lookup or "", {}).get("agency")
                lookups.append({"lookup": lookup, "agency": agency, "outcome": value})
            elif name == "survey_state" and value in SURVEY_OFFERED_STATES:
                survey_offered = True

    if not user_messages or not stamps:
        return None
    return ConversationSummary(
        conversation_id=conversation_id,
        channel=channel or UNKNOWN_CHANNEL,
        started_at=to_datetime(min(stamps)),
        ended_at=to_datetime(max(stamps)),
        life_experiences=life_experiences,
        services=services,
        lookups=lookups,
        handoff=handoff,
        fallbacks=fallbacks,
        user_messages=user_messages,
        survey_offered=survey_offered,
        last_event_at=to_datetime(max(stamps)),
        is_demo=conversation_id.startswith(DEMO_PREFIX),
    )


def ensure_tables(url: str) -> None:
    """Creates the insights tables if missing, also when another process races to it."""
    create_tables(url, [ConversationSummary.__table__, SurveyResponse.__table__])


def _row(summary: ConversationSummary) -> dict[str, Any]:
    return {c.name: getattr(summary, c.name) for c in ConversationSummary.__table__.columns}


def upsert_summaries(summaries: Iterable[ConversationSummary], url: str) -> int:
    """Insert or replace summaries by conversation id; safe from several processes at once.

    A row is only replaced by one at least as recent, so a slower refresh that read a
    conversation earlier never overwrites a newer summary."""
    table = ConversationSummary.__table__
    engine = engine_for(url)
    dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(engine.dialect.name)
    written = 0
    summaries = iter(summaries)
    while batch := [_row(s) for s in islice(summaries, WRITE_BATCH)]:
        if dialect is None:  # other databases: plain merge, last writer wins
            with session_scope(url) as session:
                for row in batch:
                    session.merge(ConversationSummary(**row))
        else:
            insert = dialect.insert(table)
            statement = insert.on_conflict_do_update(
                index_elements=[table.c.conversation_id],
                set_={c.name: insert.excluded[c.name] for c in table.columns if not c.primary_key},
                where=table.c.last_event_at <= insert.excluded.last_event_at,
            )
            with engine.begin() as conn:
                conn.execute(statement, batch)
        written += len(batch)
    return written


def newest_summary(url: str) -> datetime | None:
    with session_scope(url) as session:
        return session.scalar(select(func.max(ConversationSummary.last_event_at)))


def refresh_summaries(settings: Settings | None = None, full: bool = False) -> int:
    """Summarizes the conversations changed since the newest stored summary (every stored
    conversation on the first run, or with `full`); returns how many were written."""
    settings = settings or get_settings()
    url = settings.product_database_url
    ensure_tables(url)
    newest = None if full else newest_summary(url)
    since = to_epoch(newest) - OVERLAP_SECONDS if newest else None
    summaries = (
        summary
        for conversation_id, events in iter_conversations(settings, since)
        if (summary := summarize(conversation_id, events)) is not None
    )
    written = upsert_summaries(summaries, url)
    log.info("insights: %d conversation summaries refreshed", written)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="re-read every conversation")
    args = parser.parse_args()
    logging.basicConfig(level=get_settings().log_level, format="%(message)s")
    print(f"{refresh_summaries(full=args.full)} conversation summaries refreshed")


if __name__ == "__main__":
    main()
