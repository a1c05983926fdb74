"""Tracker and lock stores chosen from settings, registered in bot/endpoints.yml.

Rasa builds stores from static endpoint YAML; these two classes let
`bot.settings` decide instead (Redis when REDIS_URL is set, else the SQL
tracker store on DATABASE_URL or SQLite, and in-memory locks) and hand the work
to Rasa's own store classes, so endpoints.yml never changes between a laptop and
a deployment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot import speedups
from bot.privacy import mask_events
from bot.redis_clients import (
    LOCK_REDIS_DB_OFFSET,
    TRACKER_REDIS_DB_OFFSET,
    LoopBoundRedis,
    redis_kwargs,
)
from bot.redis_lock import RaceSafeRedisLockStore
from bot.redis_tracker_store import MaskingRedisTrackerStore
from bot.settings import Settings, get_settings

log = logging.getLogger(__name__)

# The Rasa server imports this module (bot/endpoints.yml) before it serves anything.
speedups.install()


def build_tracker_store(
    settings: Settings, domain: Domain | None, event_broker: EventBroker | None
) -> TrackerStore:
    if settings.redis_url:
        store = MaskingRedisTrackerStore(
            client=LoopBoundRedis(settings.redis_url, TRACKER_REDIS_DB_OFFSET, timeout=5),
            domain=domain or Domain.empty(),
            event_broker=event_broker,
            record_exp=settings.tracker_ttl_seconds,
            key_prefix="cx",
            **redis_kwargs(settings.redis_url, TRACKER_REDIS_DB_OFFSET),
        )
        # Rasa's client has no timeout and no retry: a dead connection after a Redis
        # restart would make the next read fail, and Rasa would then start the
        # conversation afresh in memory and overwrite the stored one.
        store.red = store.client.blocking()
        return store
    if settings.database_url is None:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    # SQLTrackerStore takes a complete database URL in `host`.
    return MaskingSQLTrackerStore(
        domain=domain, event_broker=event_broker, host=settings.tracker_database_url
    )


def build_lock_store(settings: Settings) -> LockStore:
    if settings.redis_url:
        # Not Rasa's RedisLockStore: it is not race-safe across replicas (bot.redis_lock).
        return RaceSafeRedisLockStore(
            LoopBoundRedis(settings.redis_url, LOCK_REDIS_DB_OFFSET, timeout=5)
        )
    return InMemoryLockStore()


def masked_copy(tracker: DialogueStateTracker, domain: Domain) -> DialogueStateTracker:
    events = mask_events([event.as_dict() for event in tracker.events])
    return DialogueStateTracker.from_dict(tracker.sender_id, events, domain.slots)


class MaskingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, storing every conversation with identifiers masked."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(masked_copy(tracker, self.domain))


class StoreUnavailable(RuntimeError):
    """The conversation store failed; the turn must not be stored half-way."""


class ConfiguredTrackerStore(TrackerStore):
    """Delegates to the tracker store the settings select."""

    def __init__(
        self,
        domain: Domain | None = None,
        event_broker: EventBroker | None = None,
        **_endpoint_kwargs: Any,
    ) -> None:
        self._store = build_tracker_store(get_settings(), domain, event_broker)
        self._unreadable: set[str] = set()  # conversations whose last read failed
        log.info("tracker store: %s", type(self._store).__name__)
        super().__init__(domain, event_broker)

    @property
    def domain(self) -> Domain:
        return self._store.domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        self._store.domain = domain or Domain.empty()

    @property
    def backend(self) -> TrackerStore:
        return self._store

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the conversation; the backend masks identifiers (bot.privacy).

        Never over a conversation that could not be read this turn: Rasa would be
        saving a fresh tracker it started in place of the stored one."""
        if tracker.sender_id in self._unreadable:
            self._unreadable.discard(tracker.sender_id)
            raise StoreUnavailable("the conversation could not be read; not overwriting it")
        await self._store.save(tracker)  # each backend masks what it stores

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        try:
            tracker = await self._store.retrieve(sender_id)
        except Exception:
            self._unreadable.add(sender_id)
            raise
        self._unreadable.discard(sender_id)
        return tracker

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._store.retrieve_full_tracker(sender_id)

    async def keys(self) -> Iterable[str]:
        return await self._store.keys()


class ConfiguredLockStore(LockStore):
    """Delegates to the lock store the settings select."""

    def __init__(self, endpoint_config: Any = None) -> None:
        self._store = build_lock_store(get_settings())
        log.info("lock store: %s", type(self._store).__name__)
        super().__init__()

    def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AbstractAsyncContextManager[TicketLock]:
        return self._store.lock(conversation_id, lock_lifetime, wait_time_in_seconds)

    @property
    def backend(self) -> LockStore:
        return self._store

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return self._store.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self._store.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self._store.save_lock(lock)
