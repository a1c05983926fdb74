"""Tracker and lock stores follow the settings, on real Redis and PostgreSQL where present."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from pathlib import Path

import pytest
import redis
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.redis_clients import redis_kwargs
from bot.redis_lock import RaceSafeRedisLockStore
from bot.stores import (
    ConfiguredLockStore,
    ConfiguredTrackerStore,
    StoreUnavailable,
)
from tests.support.redis_server import RedisServer

TYPED = (
    "born 1985/03/14, ssn 123.45.4821, receipt IOE0912345678, call 202 555 0143, "
    "I live at 42 Oak St"
)
RAW_VALUES = ("1985/03", "123.45", "45.4821", "IOE0912345678", "0912345", "202 555", "42 Oak")


def _roundtrip(store: ConfiguredTrackerStore) -> DialogueStateTracker:
    """Saves a conversation holding identifiers; they come back (and are stored) masked."""
    sender = f"test-{uuid.uuid4().hex}"
    tracker = DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen"),
            UserUttered("I am retiring soon"),
            ActionExecuted("action_listen"),
            UserUttered(TYPED, parse_data={"text": TYPED, "intent": {"name": "inform"}}),
        ],
    )
    asyncio.run(store.save(tracker))
    loaded = asyncio.run(store.retrieve(sender))
    assert loaded is not None
    texts = [e.text for e in loaded.events if isinstance(e, UserUttered)]
    assert texts == [
        "I am retiring soon",
        "born **/**/****, ssn ***-**-****, receipt *********5678, call *** *** 0143, "
        "I live at [address]",
    ]
    assert tracker.latest_message.text == TYPED, "the live tracker keeps the raw value"
    return loaded


def _assert_no_raw_values(stored: str) -> None:
    leaked = [v for v in RAW_VALUES if v in stored]
    assert not leaked, f"raw identifiers reached the store: {leaked}"


def test_embedded_default_is_sqlite_under_var(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    store = ConfiguredTrackerStore(domain=Domain.empty())
    assert isinstance(store.backend, SQLTrackerStore)
    loaded = _roundtrip(store)
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (loaded.sender_id,))
        _assert_no_raw_values(" ".join(row[0] for row in rows))
    assert isinstance(ConfiguredLockStore().backend, InMemoryLockStore)


@pytest.mark.integration
def test_redis_url_switches_tracker_and_lock_store(
    monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    store = ConfiguredTrackerStore(domain=Domain.empty())
    assert isinstance(store.backend, RedisTrackerStore)
    loaded = _roundtrip(store)
    key = store.backend.key_prefix + loaded.sender_id
    client = redis.Redis(**{k: v for k, v in redis_kwargs(redis_url).items() if k != "use_ssl"})
    try:
        assert 0 < client.ttl(key) <= 60 * 60 * 24 * 30, "conversations must expire in Redis"
        _assert_no_raw_values(client.get(key).decode())
    finally:
        client.delete(key)

    locks = ConfiguredLockStore()
    assert isinstance(locks.backend, RaceSafeRedisLockStore)
    conversation = f"test-{uuid.uuid4().hex}"

    async def hold() -> None:
        async with locks.lock(conversation):
            assert locks.get_lock(conversation) is not None

    asyncio.run(hold())
    assert locks.get_lock(conversation) is None, "the lock is released and deleted"


@pytest.mark.integration
def test_database_url_switches_tracker_store_to_postgres(
    monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    store = ConfiguredTrackerStore(domain=Domain.empty())
    assert isinstance(store.backend, SQLTrackerStore)
    assert store.backend.engine.dialect.name == "postgresql"
    loaded = _roundtrip(store)
    with store.backend.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT data FROM events WHERE sender_id = %s", (loaded.sender_id,)
        )
        _assert_no_raw_values(" ".join(row[0] for row in rows))
    store.backend.engine.dispose()


@pytest.mark.integration
def test_a_conversation_that_could_not_be_read_is_never_overwritten(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Redis back between a failed read and the save: Rasa would store the fresh
    tracker it started in memory over the real one. The store refuses that save."""
    server = RedisServer(tmp_path).start()
    try:
        monkeypatch.setenv("REDIS_URL", server.url)
        store = ConfiguredTrackerStore(domain=Domain.empty())
        sender = f"test-{uuid.uuid4().hex}"
        history = [ActionExecuted("action_listen"), UserUttered("I am retiring soon")]
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, history)))

        server.stop()
        with pytest.raises(redis.ConnectionError):
            asyncio.run(store.retrieve(sender))
        server.start()  # back, before Rasa saves what it started from scratch
        fresh = DialogueStateTracker.from_events(sender, [UserUttered("hello")])
        with pytest.raises(StoreUnavailable):
            asyncio.run(store.save(fresh))

        kept = asyncio.run(store.retrieve(sender))
        assert kept is not None
        assert [e.text for e in kept.events if isinstance(e, UserUttered)] == ["I am retiring soon"]
        kept.update(UserUttered("what about medicare"))
        asyncio.run(store.save(kept))  # a good read lets the next save through
    finally:
        server.stop()
