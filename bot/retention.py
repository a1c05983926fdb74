"""Deletes conversations whose last event is older than the retention period.

Redis tracker keys also expire on their own (`record_exp`); the SQL tracker store keeps
everything forever unless something deletes it, so this job enforces the period there,
and on Redis it removes keys written before a shorter period was configured.

    python -m bot.retention            # once
    python -m bot.retention --every 3600   # as a service (make run and compose start it)
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
import time
from dataclasses import dataclass

import redis
from sqlalchemy import Column, Float, MetaData, String, Table, delete, func, inspect, select

from bot.db import engine_for
from bot.settings import Settings, get_settings
from bot.stores import TRACKER_REDIS_DB_OFFSET, redis_kwargs

log = logging.getLogger(__name__)

# The columns of Rasa's SQLTrackerStore table this job needs (rasa/core/tracker_store.py).
EVENTS = Table(
    "events",
    MetaData(),
    Column("sender_id", String(255)),
    Column("timestamp", Float),
)
REDIS_TRACKER_KEYS = "cx:tracker:*"


@dataclass(frozen=True)
class PurgeResult:
    store: str
    conversations: int


def purge_sql(url: str, cutoff: float) -> int:
    """Deletes every event of the conversations last active before `cutoff`."""
    engine = engine_for(url)
    if not inspect(engine).has_table("events"):
        return 0
    stale = (
        select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(func.max(EVENTS.c.timestamp) < cutoff)
    )
    with engine.begin() as conn:
        senders = list(conn.scalars(stale))
        for start in range(0, len(senders), 500):
            batch = senders[start : start + 500]
            conn.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(batch)))
    return len(senders)


def _last_timestamp(raw: bytes) -> float | None:
    try:
        events = json.loads(raw).get("events") or []
    except (ValueError, AttributeError):
        return None
    stamps = [e.get("timestamp") for e in events if isinstance(e, dict)]
    stamps = [s for s in stamps if isinstance(s, int | float)]
    return max(stamps) if stamps else None


def purge_redis(client: redis.Redis, cutoff: float, pattern: str = REDIS_TRACKER_KEYS) -> int:
    deleted = 0
    for key in client.scan_iter(match=pattern, count=500):
        raw = client.get(key)
        last = _last_timestamp(raw) if raw is not None else None
        if last is not None and last < cutoff:
            deleted += client.delete(key)
    return deleted


def purge(settings: Settings, now: float | None = None) -> PurgeResult:
    """One pass over the tracker store the settings select."""
    cutoff = (now or time.time()) - settings.tracker_ttl_seconds
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
        return PurgeResult("redis", purge_redis(client, cutoff))
    return PurgeResult("sql", purge_sql(settings.tracker_database_url, cutoff))


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
            log.info(
                "retention: deleted %d conversations older than %d days from the %s store",
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
