"""The retention job deletes idle conversations, and only those, from real stores."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest
import redis
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.retention import purge, purge_redis, purge_sql
from bot.settings import Settings
from bot.stores import redis_kwargs

DAY = 86400.0
NOW = time.time()


def _conversation(sender: str, last_active: float) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender,
        [
            UserUttered("hello", timestamp=last_active - 60),
            BotUttered("Hi! What's going on?", timestamp=last_active),
        ],
    )


def _save(store: TrackerStore, *trackers: DialogueStateTracker) -> None:
    for tracker in trackers:
        asyncio.run(store.save(tracker))


def _exists(store: TrackerStore, sender: str) -> bool:
    return asyncio.run(store.retrieve(sender)) is not None


def _sql_case(url: str) -> None:
    store = SQLTrackerStore(domain=Domain.empty(), host=url)
    old, recent, edge = (f"{name}-{uuid.uuid4().hex[:8]}" for name in ("old", "new", "edge"))
    _save(
        store,
        _conversation(old, NOW - 40 * DAY),
        _conversation(recent, NOW - 2 * DAY),
        # Started long ago but active yesterday: kept, judged by its last event.
        DialogueStateTracker.from_events(
            edge,
            [UserUttered("hi", timestamp=NOW - 90 * DAY), BotUttered("Hi", timestamp=NOW - DAY)],
        ),
    )
    deleted = purge_sql(url, cutoff=NOW - 30 * DAY)
    assert deleted >= 1
    assert not _exists(store, old)
    assert _exists(store, recent) and _exists(store, edge)
    assert purge_sql(url, cutoff=NOW - 30 * DAY) == 0  # idempotent


def test_sqlite_tracker_store(tmp_path: Path) -> None:
    _sql_case(f"sqlite:///{tmp_path / 'tracker.db'}")


@pytest.mark.integration
def test_postgresql_tracker_store(postgres_url: str) -> None:
    _sql_case(postgres_url)


def test_an_empty_database_has_nothing_to_delete(tmp_path: Path) -> None:
    assert purge_sql(f"sqlite:///{tmp_path / 'none.db'}", cutoff=NOW) == 0


@pytest.mark.integration
def test_redis_tracker_store(redis_url: str) -> None:
    kwargs = redis_kwargs(redis_url)
    store = RedisTrackerStore(Domain.empty(), key_prefix="cx", **kwargs)
    run = uuid.uuid4().hex[:8]
    old, recent = f"retention-{run}-old", f"retention-{run}-new"
    _save(store, _conversation(old, NOW - 40 * DAY), _conversation(recent, NOW - DAY))
    client = redis.Redis.from_url(redis_url)
    try:
        deleted = purge_redis(client, NOW - 30 * DAY, pattern=f"cx:tracker:retention-{run}-*")
        assert deleted == 1
        assert not _exists(store, old)
        assert _exists(store, recent)
    finally:
        client.delete(f"cx:tracker:{old}", f"cx:tracker:{recent}")


def test_the_period_comes_from_settings(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, var_dir=tmp_path, redis_url=None, database_url=None)
    store = SQLTrackerStore(domain=Domain.empty(), host=settings.tracker_database_url)
    sender = f"settings-{uuid.uuid4().hex[:8]}"
    _save(store, _conversation(sender, NOW - 10 * DAY))
    short = settings.copy(update={"tracker_ttl_seconds": int(7 * DAY)})
    assert (
        purge(settings.copy(update={"tracker_ttl_seconds": int(30 * DAY)}), NOW).conversations == 0
    )
    assert purge(short, NOW).conversations == 1
    assert not _exists(store, sender)
