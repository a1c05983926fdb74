"""Rasa's RedisTrackerStore, saving masked events without rebuilding trackers and
without blocking the event loop.

Rasa's `save` reads the stored conversation back, rebuilds it as a tracker (replaying
every event), rebuilds the new one at the old one's last timestamp (replaying again),
compares the two and serialises the result; and masking identifiers first meant one
more rebuild. Under `make bench` that was 14% of the Rasa process for each turn. The
same merge is done here on the serialised events, with Rasa's rules, and the stored
value is the same JSON Rasa writes (`{"events": [...], "name": sender}`), so Rasa's
`retrieve` reads it unchanged.

Most saves need no merge at all: the tracker being saved is the one `retrieve` gave
this turn, with new events after the ones read (Rasa holds the conversation's lock
from the read to the save). Such a tracker remembers what was stored, and its save
masks and appends only the new events, without reading the conversation again.

Rasa's client blocks the event loop for every reply; reads and writes here go through
redis.asyncio (`LoopBoundRedis`). `self.red` stays a blocking client for the rest of
Rasa's interface (`keys`) and for scripts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import islice, takewhile
from typing import Any

from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.events import ActiveLoop, deserialise_events
from rasa.shared.core.events import Event as RasaEvent
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import mask_events
from bot.redis_clients import LoopBoundRedis

Event = dict[str, Any]
_STORED = "_cx_stored"  # the attribute a tracker keeps its StoredEvents in


def _identity(event: Event) -> str:
    return json.dumps(event, sort_keys=True, default=str)


def merge_events(prior: list[Event], current: list[Event]) -> list[Event]:
    """Rasa's `RedisTrackerStore._merge_trackers`, on serialised events.

    `current` is what Rasa holds: since `retrieve` gives only the latest session, it
    can lack the earlier sessions that `prior` (the stored conversation) has. Unless
    `current` already starts with all of `prior`, the result is `prior` followed by
    every event of `current` it does not hold yet."""
    if not prior:
        return current
    last = prior[-1].get("timestamp") or 0
    past = list(takewhile(lambda e: (e.get("timestamp") or 0) <= last, current))
    if len(past) == len(prior) and all(
        a == b or _identity(a) == _identity(b) for a, b in zip(past, prior, strict=True)
    ):
        return current
    merged = list(prior)
    seen = {_identity(event) for event in merged}
    for event in current:
        identity = _identity(event)
        if identity not in seen:
            merged.append(event)
            seen.add(identity)
    return merged


@dataclass(frozen=True)
class StoredEvents:
    """What is stored for a tracker's conversation, as of its read or last save."""

    events: list[Event]  # the whole stored conversation, masked
    held: tuple[RasaEvent, ...]  # the tracker's events then: the last len(held) of them

    def new_events(self, tracker: DialogueStateTracker) -> list[RasaEvent] | None:
        """The tracker's events since then, or None if it no longer starts with the
        events it held (another tracker, or events replaced)."""
        count = len(self.held)
        if len(tracker.events) < count:
            return None
        if not all(a is b for a, b in zip(tracker.events, self.held, strict=False)):
            return None
        return list(islice(tracker.events, count, None))

    def active_loop(self) -> str | None:
        """The form running after the held events, as `mask_events` would track it."""
        loops = (event for event in reversed(self.held) if isinstance(event, ActiveLoop))
        return next((loop.name for loop in loops), None)


class MaskingRedisTrackerStore(RedisTrackerStore):
    """Stores every conversation with identifiers masked (bot.privacy)."""

    def __init__(self, *args: Any, client: LoopBoundRedis, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:
        await self.stream_events(tracker)
        key = self.key_prefix + tracker.sender_id
        stored: StoredEvents | None = tracker.__dict__.get(_STORED)
        new = stored.new_events(tracker) if stored else None
        if stored is not None and new is not None:
            masked = mask_events([event.as_dict() for event in new], stored.active_loop())
            events = stored.events + masked
        else:
            events = mask_events([event.as_dict() for event in tracker.events])
            raw = await self.client.client().get(key)
            if raw is not None:
                events = merge_events(json.loads(raw).get("events") or [], events)
        await self.client.client().set(
            key,
            json.dumps({"events": events, "name": tracker.sender_id}),
            ex=timeout or self.record_exp,
        )
        _remember(tracker, events)

    async def _retrieve(
        self, sender_id: str, fetch_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """Rasa's `_retrieve`, reading without blocking and parsing the JSON once.

        For the latest session Rasa rebuilds the whole conversation, then rebuilds its
        latest session again from those events; this rebuilds only that session."""
        raw = await self.client.client().get(self.key_prefix + sender_id)
        if raw is None:
            return None
        data = json.loads(raw)
        events = data.get("events") or []
        latest = 0 if fetch_all_sessions else _latest_session_start(events)
        if latest > 0:  # an earlier session (or events before the first) to leave out
            tracker = DialogueStateTracker.from_events(
                sender_id,
                deserialise_events(events[latest:]),
                self.domain.slots,
                max_event_history=self.max_event_history,
            )
        else:
            tracker = self.init_tracker(sender_id)
            tracker.recreate_from_dialogue(Dialogue.from_parameters(data))
        _remember(tracker, events)
        return tracker


def _latest_session_start(events: list[Event]) -> int:
    """Where Rasa's `get_trackers_for_conversation_sessions` starts the latest session."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "action" and event.get("name") == ACTION_SESSION_START_NAME:
            return index
    return 0


def _remember(tracker: DialogueStateTracker, events: list[Event]) -> None:
    tracker.__dict__[_STORED] = StoredEvents(events, tuple(tracker.events))
