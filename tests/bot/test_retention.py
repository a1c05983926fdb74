"""The retention job deletes idle conversations, and only those, from real stores."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import redis
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import OperationalError

from bot import retention
from bot.insights.analytics import Filters, figures
from bot.insights.summaries import refresh_summaries
from bot.redis_clients import redis_kwargs
from bot.retention import purge, purge_redis, purge_sql
from bot.settings import Settings

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
    archived: list[tuple[str, list[dict]]] = []
    try:
        deleted = purge_redis(
            client, NOW - 30 * DAY, pattern=f"cx:tracker:retention-{run}-*", archive=archived.extend
        )
        assert deleted == 1
        assert not _exists(store, old)
        assert _exists(store, recent)
        assert [(sender, [e["event"] for e in events]) for sender, events in archived] == [
            (old, ["user", "bot"])
        ], "the conversation is handed over for its summary before it is deleted"
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


# Analytics outlive the conversations: summaries are written before anything is deleted.


def _lookup_conversation(sender: str, last_active: float) -> DialogueStateTracker:
    """A passport lookup that found the case, ending at `last_active`."""
    start = last_active - 120
    return DialogueStateTracker.from_events(
        sender,
        [
            UserUttered(
                "where is my passport",
                intent={"name": "status_passport", "confidence": 0.97},
                input_channel="rest",
                timestamp=start,
            ),
            SlotSet("lookup", "passport", timestamp=start + 1),
            UserUttered("[identity details, not kept]", timestamp=start + 60),
            SlotSet("lookup_outcome", "found", timestamp=last_active - 1),
            BotUttered("Your passport application is in process.", timestamp=last_active),
        ],
    )


def _day(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).date()


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    """SQLite tracker store and product database under tmp_path, a 30-day period."""
    return Settings(
        _env_file=None,
        var_dir=tmp_path,
        redis_url=None,
        database_url=None,
        tracker_ttl_seconds=int(30 * DAY),
    )


def test_a_purged_conversation_is_still_counted_by_the_figures(local_settings: Settings) -> None:
    store = SQLTrackerStore(domain=Domain.empty(), host=local_settings.tracker_database_url)
    old, recent = f"old-{uuid.uuid4().hex[:8]}", f"new-{uuid.uuid4().hex[:8]}"
    _save(store, _lookup_conversation(old, NOW - 40 * DAY), _lookup_conversation(recent, NOW))

    result = purge(local_settings, NOW)

    assert (result.conversations, result.postponed) == (1, False)
    assert result.summaries == 2
    assert not _exists(store, old)
    url = local_settings.product_database_url
    counted = figures(url=url)
    assert counted["total_conversations"] == 2
    assert counted["lookups"] == [{"agency": "state", "outcome": "found", "count": 2}]
    forty_days_ago = _day(NOW - 40 * DAY)
    that_day = figures(Filters(date_from=forty_days_ago, date_to=forty_days_ago), url=url)
    assert that_day["total_conversations"] == 1, "still counted on the day it happened"


def test_a_conversation_the_refresh_never_saw_is_summarized_before_it_goes(
    local_settings: Settings,
) -> None:
    """A conversation stored behind the refresh watermark (written late, restored from a
    backup) is missed by every incremental refresh; retention still summarizes it."""
    store = SQLTrackerStore(domain=Domain.empty(), host=local_settings.tracker_database_url)
    _save(store, _lookup_conversation(f"new-{uuid.uuid4().hex[:8]}", NOW))
    refresh_summaries(local_settings)  # the watermark is now
    late = f"late-{uuid.uuid4().hex[:8]}"
    _save(store, _lookup_conversation(late, NOW - 40 * DAY))
    assert refresh_summaries(local_settings) == 1, "the incremental refresh misses it"

    assert purge(local_settings, NOW).conversations == 1
    assert not _exists(store, late)
    assert figures(url=local_settings.product_database_url)["total_conversations"] == 2


def test_a_failed_refresh_postpones_the_purge(
    local_settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = SQLTrackerStore(domain=Domain.empty(), host=local_settings.tracker_database_url)
    old = f"old-{uuid.uuid4().hex[:8]}"
    _save(store, _lookup_conversation(old, NOW - 40 * DAY))

    def unavailable(*_args: object, **_kwargs: object) -> int:
        raise OperationalError("INSERT ...", {}, Exception("database is locked"))

    monkeypatch.setattr(retention, "refresh_summaries", unavailable)
    with caplog.at_level(logging.ERROR, logger="bot.retention"):
        result = purge(local_settings, NOW)
    assert (result.conversations, result.postponed) == (0, True)
    assert _exists(store, old), "nothing is deleted without its summary"
    (record,) = [r for r in caplog.records if r.name == "bot.retention"]
    assert record.levelno == logging.ERROR
    assert "no conversation deleted this round" in record.getMessage()
    assert "OperationalError" in record.getMessage()

    monkeypatch.undo()  # the next round, with the product database back
    result = purge(local_settings, NOW)
    assert (result.conversations, result.postponed) == (1, False)
    assert not _exists(store, old)
    assert figures(url=local_settings.product_database_url)["total_conversations"] == 1


def test_a_failed_summary_keeps_the_batch(
    local_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLTrackerStore(domain=Domain.empty(), host=local_settings.tracker_database_url)
    old = f"old-{uuid.uuid4().hex[:8]}"
    _save(store, _lookup_conversation(old, NOW - 40 * DAY))

    def unwritable(*_args: object, **_kwargs: object) -> int:
        raise OperationalError("INSERT ...", {}, Exception("disk I/O error"))

    monkeypatch.setattr(retention, "upsert_summaries", unwritable)
    with pytest.raises(OperationalError):  # the service logs it and retries next round
        purge(local_settings, NOW)
    assert _exists(store, old)
