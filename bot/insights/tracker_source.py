"""Reads conversations out of the configured tracker store, read-only, a batch at a time.

Analytics must not go through Rasa (a running server is not guaranteed, and its stores load
a whole conversation per call), so this reads the stores' own formats: the `events` table
of Rasa's SQLTrackerStore, or one JSON document per conversation in Redis. Batches keep
memory bounded by the batch size, not by the number of conversations. Text that older
versions stored with lone surrogates comes out repaired (bot.unicode_text), so no reader
fails on it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, inspect, select

from bot.db import engine_for
from bot.redis_clients import TRACKER_REDIS_DB_OFFSET, redis_client
from bot.settings import Settings, get_settings
from bot.unicode_text import repaired

log = logging.getLogger(__name__)

Event = dict[str, Any]
Conversation = tuple[str, list[Event]]

# The columns of Rasa's SQLTrackerStore table read here (rasa/core/tracker_store.py, SQLEvent).
EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("data", Text),
)
# bot.stores gives Rasa's RedisTrackerStore key_prefix "cx"; Rasa appends "tracker:".
REDIS_KEY_PREFIX = "cx:tracker:"
BATCH_SIZE = 200


def iter_conversations(
    settings: Settings | None = None, since: float | None = None, batch_size: int = BATCH_SIZE
) -> Iterator[Conversation]:
    """(conversation id, events in order) of every stored conversation, or only of those
    with an event newer than `since` (epoch seconds), from the store the settings select."""
    settings = settings or get_settings()
    if settings.redis_url:
        yield from iter_redis(redis_tracker_client(settings), since, batch_size=batch_size)
    else:
        yield from iter_sql(settings.tracker_database_url, since, batch_size)


def iter_sql(
    url: str, since: float | None = None, batch_size: int = BATCH_SIZE
) -> Iterator[Conversation]:
    """Conversations of an SQL tracker store, in sender id order, `batch_size` at a time."""
    engine = engine_for(url)
    if not inspect(engine).has_table(EVENTS.name):
        return
    last: str | None = None
    while True:
        senders_query = (
            select(EVENTS.c.sender_id)
            .group_by(EVENTS.c.sender_id)
            .order_by(EVENTS.c.sender_id)
            .limit(batch_size)
        )
        if since is not None:
            # Same senders as HAVING max(timestamp) > since, without aggregating old events.
            senders_query = senders_query.where(EVENTS.c.timestamp > since)
        if last is not None:  # keyset pagination: no OFFSET scans, no snapshot to hold
            senders_query = senders_query.where(EVENTS.c.sender_id > last)
        with engine.connect() as conn:
            senders = list(conn.scalars(senders_query))
            if not senders:
                return
            rows = conn.execute(
                select(EVENTS.c.sender_id, EVENTS.c.data)
                .where(EVENTS.c.sender_id.in_(senders))
                .order_by(EVENTS.c.sender_id, EVENTS.c.id)
            ).all()
        grouped: dict[str, list[Event]] = {sender: [] for sender in senders}
        for sender, data in rows:
            event = _parse_event(data)
            if event is not None:
                grouped[sender].append(event)
        yield from grouped.items()
        last = senders[-1]


def _parse_event(data: str | None) -> Event | None:
    try:
        event = json.loads(data or "")
    except (ValueError, RecursionError):
        return None
    return repaired(event) if isinstance(event, dict) else None


def redis_tracker_client(settings: Settings) -> Any:
    """A client of the tracker's Redis database."""
    assert settings.redis_url
    return redis_client(settings.redis_url, TRACKER_REDIS_DB_OFFSET, timeout=10)


def iter_redis(
    client: Any,
    since: float | None = None,
    prefix: str = REDIS_KEY_PREFIX,
    batch_size: int = BATCH_SIZE,
) -> Iterator[Conversation]:
    """Conversations of a Redis tracker store (SCAN, then MGET per batch).

    SCAN may return a key twice while keys are being written; callers upsert, so a repeat
    is harmless."""
    keys: list[bytes] = []
    for key in client.scan_iter(match=f"{prefix}*", count=500):
        keys.append(key)
        if len(keys) >= batch_size:
            yield from _redis_batch(client, keys, prefix, since)
            keys = []
    if keys:
        yield from _redis_batch(client, keys, prefix, since)


def _redis_batch(
    client: Any, keys: list[bytes], prefix: str, since: float | None
) -> Iterator[Conversation]:
    for key, raw in zip(keys, client.mget(keys), strict=True):
        if raw is None:  # expired or deleted since the scan
            continue
        try:
            events = json.loads(raw).get("events") or []
        except (ValueError, AttributeError, RecursionError):
            log.warning("insights: unreadable tracker under %r skipped", key)
            continue
        events = [repaired(e) for e in events if isinstance(e, dict)]
        if since is not None and (_last_timestamp(events) or 0.0) <= since:
            continue
        name = key.decode(errors="replace") if isinstance(key, bytes) else str(key)
        yield name[len(prefix) :], events


def _last_timestamp(events: list[Event]) -> float | None:
    stamps = [e.get("timestamp") for e in events]
    numbers = [s for s in stamps if isinstance(s, int | float)]
    return max(numbers) if numbers else None
