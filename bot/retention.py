"""Deletes conversations whose last event is older than the retention period.

Redis tracker keys also expire on their own (`record_exp`); the SQL tracker store keeps
everything forever unless something deletes it, so this job enforces the period there,
and on Redis it removes keys written before a shorter period was configured.

Conversation summaries (bot.insights.summaries) are the only lasting record of a
conversation, so they are refreshed before anything is deleted; if that fails, nothing is
deleted this round (the next round retries). Each conversation about to be deleted is
also summarized from its final events right before it goes, so a conversation the
incremental refresh never saw (stored late, or behind its watermark) is still counted.

    python -m bot.retention            # once
    python -m bot.retention --every 3600   # as a service (make run and compose start it)
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from sqlalchemy import Column, Float, MetaData, String, Table, delete, func, inspect, select

from bot.db import engine_for
from bot.insights.summaries import refresh_summaries, summarize, upsert_summaries
from bot.insights.tracker_source import EVENTS as EVENT_ROWS
from bot.redis_clients import TRACKER_REDIS_DB_OFFSET, redis_kwargs
from bot.settings import Settings, get_settings

log = logging.getLogger(__name__)

# The columns of Rasa's SQLTrackerStore table this job needs (rasa/core/tracker_store.py).
EVENTS = Table(
    "events",
    MetaData(),
    Column("sender_id", String(255)),
    Column("timestamp", Float),
)
REDIS_TRACKER_KEYS = "cx:tracker:*"
REDIS_KEY_PREFIX = REDIS_TRACKER_KEYS.rstrip("*")
BATCH = 500

Event = dict[str, Any]
# Called with (conversation id, events) of each batch of conversations about to be
# deleted, before they are; if it raises, the batch is kept.
Archive = Callable[[list[tuple[str, list[Event]]]], None]


@dataclass(frozen=True)
class PurgeResult:
    store: str
    conversations: int
    summaries: int = 0  # conversation summaries refreshed before deleting
    postponed: bool = False  # the refresh failed, so nothing was deleted


def _sql_conversations(conn: Any, senders: list[str]) -> list[tuple[str, list[Event]]]:
    rows = conn.execute(
        select(EVENT_ROWS.c.sender_id, EVENT_ROWS.c.data)
        .where(EVENT_ROWS.c.sender_id.in_(senders))
        .order_by(EVENT_ROWS.c.sender_id, EVENT_ROWS.c.id)
    ).all()
    grouped: dict[str, list[Event]] = {sender: [] for sender in senders}
    for sender, data in rows:
        event = _parse(data)
        if isinstance(event, dict):
            grouped[sender].append(event)
    return list(grouped.items())


def _parse(data: str | bytes | None) -> Any:
    try:
        return json.loads(data or "")
    except ValueError:
        return None


def purge_sql(url: str, cutoff: float, archive: Archive | None = None) -> int:
    """Deletes every event of the conversations last active before `cutoff`, a batch at a
    time, each batch handed to `archive` first."""
    engine = engine_for(url)
    if not inspect(engine).has_table("events"):
        return 0
    stale = (
        select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(func.max(EVENTS.c.timestamp) < cutoff)
    )
    with engine.connect() as conn:
        senders = list(conn.scalars(stale))
    for start in range(0, len(senders), BATCH):
        batch = senders[start : start + BATCH]
        if archive is not None:
            with engine.connect() as conn:
                conversations = _sql_conversations(conn, batch)
            archive(conversations)
        with engine.begin() as conn:
            conn.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(batch)))
    return len(senders)


def _events(raw: bytes) -> list[Event]:
    document = _parse(raw)
    events = document.get("events") if isinstance(document, dict) else None
    return [e for e in events or [] if isinstance(e, dict)]


def _last_timestamp(events: list[Event]) -> float | None:
    stamps = [e.get("timestamp") for e in events]
    stamps = [s for s in stamps if isinstance(s, int | float)]
    return max(stamps) if stamps else None


def purge_redis(
    client: redis.Redis,
    cutoff: float,
    pattern: str = REDIS_TRACKER_KEYS,
    archive: Archive | None = None,
) -> int:
    deleted = 0
    stale: list[tuple[bytes, list[Event]]] = []

    def delete_stale() -> int:
        if archive is not None:
            archive([(_sender(key), events) for key, events in stale])
        count = client.delete(*(key for key, _ in stale))
        stale.clear()
        return count

    for key in client.scan_iter(match=pattern, count=500):
        raw = client.get(key)
        events = _events(raw) if raw is not None else []
        last = _last_timestamp(events)
        if last is not None and last < cutoff:
            stale.append((key, events))
            if len(stale) >= BATCH:
                deleted += delete_stale()
    if stale:
        deleted += delete_stale()
    return deleted


def _sender(key: bytes | str) -> str:
    name = key.decode() if isinstance(key, bytes) else key
    return name.removeprefix(REDIS_KEY_PREFIX)


def keep_summaries(settings: Settings) -> Archive:
    """Writes the summaries of conversations about to be deleted, from their final events."""

    def archive(conversations: list[tuple[str, list[Event]]]) -> None:
        summaries = [s for sender, events in conversations if (s := summarize(sender, events))]
        upsert_summaries(summaries, settings.product_database_url)

    return archive


def purge(settings: Settings, now: float | None = None) -> PurgeResult:
    """One pass over the tracker store the settings select: the summaries first, then the
    deletion; none at all this round if the summaries could not be refreshed."""
    store = "redis" if settings.redis_url else "sql"
    try:
        summaries = refresh_summaries(settings)
    except Exception as error:  # any failure: the summaries are the only lasting record
        log.error(
            "retention: conversation summaries could not be refreshed (%s: %s); "
            "no conversation deleted this round, the next round retries",
            type(error).__name__,
            error,
        )
        return PurgeResult(store, 0, postponed=True)
    cutoff = (now or time.time()) - settings.tracker_ttl_seconds
    archive = keep_summaries(settings)
    if settings.redis_url:
        client = redis.Redis(
            **{
                k: v
                for k, v in redis_kwargs(settings.redis_url, TRACKER_REDIS_DB_OFFSET).items()
                if k != "use_ssl"
            },
            ssl=settings.redis_url.startswith("rediss"),
            socket_timeout=10,
        )
        return PurgeResult(store, purge_redis(client, cutoff, archive=archive), summaries)
    return PurgeResult(store, purge_sql(settings.tracker_database_url, cutoff, archive), summaries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, help="repeat every this many seconds")
    args = parser.parse_args()
    logging.basicConfig(level=get_settings().log_level, format="%(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while True:
        settings = get_settings()
        try:
            result = purge(settings)
            if result.postponed and args.every is None:
                sys.exit(1)
            if not result.postponed:
                log.info(
                    "retention: %d conversation summaries refreshed; deleted %d conversations "
                    "older than %d days from the %s store",
                    result.summaries,
                    result.conversations,
                    settings.tracker_ttl_seconds // 86400,
                    result.store,
                )
        except Exception as error:  # a down store must not end the service; retry next round
            if args.every is None:
                raise
            log.warning("retention: pass failed (%s); retrying in %ss", error, args.every)
        if args.every is None or stop.wait(args.every):
            return


if __name__ == "__main__":
    main()
