"""The masking Redis tracker store stores what Rasa's own RedisTrackerStore stores."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import IDENTITY_ANSWER, mask_events
from bot.redis_clients import LoopBoundRedis, redis_kwargs
from bot.redis_tracker_store import MaskingRedisTrackerStore, merge_events


def _session(start: float, *texts: str) -> list[Event]:
    events: list[Event] = [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start + 0.1),
        ActionExecuted("action_listen", timestamp=start + 0.2),
    ]
    for n, text in enumerate(texts):
        at = start + 1 + n
        events += [
            UserUttered(text, {"name": "inform"}, timestamp=at),
            BotUttered(f"reply {n}", timestamp=at + 0.1),
            ActionExecuted("utter_ok", timestamp=at + 0.2),
            ActionExecuted("action_listen", timestamp=at + 0.3),
        ]
    return events


def _tracker(events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("someone", events)


def _dicts(events: list[Event]) -> list[dict]:
    return [e.as_dict() for e in events]


FIRST = _session(100, "hello", "where is my passport")
SECOND = _session(200, "hi again")
CASES = {
    "nothing stored": ([], FIRST),
    "the same session, one turn on": (FIRST[:7], FIRST),
    "nothing new": (FIRST, FIRST),
    "a later session, as retrieve gives it": (FIRST + SECOND[:3], SECOND),
    "a later session that lost its start": (FIRST, SECOND[3:]),
}


@pytest.mark.parametrize("prior, current", CASES.values(), ids=CASES.keys())
def test_merge_is_rasas_merge(prior: list[Event], current: list[Event]) -> None:
    rasa = RedisTrackerStore._merge_trackers(_tracker(prior), _tracker(current))
    assert merge_events(_dicts(prior), _dicts(current)) == _dicts(list(rasa.events))


@pytest.fixture
def stores(redis_url: str) -> Iterator[tuple[RedisTrackerStore, MaskingRedisTrackerStore]]:
    prefix = f"test{uuid.uuid4().hex[:8]}"
    kwargs = {**redis_kwargs(redis_url), "record_exp": 3600}
    rasa = RedisTrackerStore(Domain.empty(), key_prefix=prefix + "rasa", **kwargs)
    ours = MaskingRedisTrackerStore(
        Domain.empty(), key_prefix=prefix + "ours", client=LoopBoundRedis(redis_url), **kwargs
    )
    assert rasa.key_prefix != ours.key_prefix
    yield rasa, ours
    for key in ours.red.scan_iter(f"{prefix}*"):
        ours.red.delete(key)


@pytest.mark.integration
def test_a_conversation_over_sessions_is_stored_as_rasa_stores_it(
    stores: tuple[RedisTrackerStore, MaskingRedisTrackerStore],
) -> None:
    """Turn by turn, reading back with Rasa's `retrieve` (the latest session only)."""
    rasa, ours = stores
    events = _session(100, "hello", "my ssn is 123-45-6789") + _session(200, "thanks")
    masked = [Event.from_parameters(e) for e in mask_events(_dicts(events))]

    async def converse(store: RedisTrackerStore, timeline: list[Event]) -> dict:
        done = 0
        for end in (3, 7, 11, 14, 18):  # turn by turn; the second session starts at 11
            tracker = await store.retrieve("someone")
            held = list(tracker.events) if tracker else []
            await store.save(_tracker(held + timeline[done:end]))
            done = end
        return json.loads(store.red.get(store.key_prefix + "someone"))

    expected = asyncio.run(converse(rasa, masked))
    stored = asyncio.run(converse(ours, events))
    assert stored == expected
    assert len(stored["events"]) == len(events)
    assert "123-45" not in json.dumps(stored)
    latest = asyncio.run(ours.retrieve("someone"))
    assert latest is not None and latest.latest_message.text == "thanks"
    assert ours.red.ttl(ours.key_prefix + "someone") > 0


def _lookup_session(start: float) -> list[Event]:
    """A session whose status lookup asks for identity details over two turns."""
    return [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start + 0.1),
        ActionExecuted("action_listen", timestamp=start + 0.2),
        UserUttered("where is my passport", {"name": "passport"}, timestamp=start + 1),
        ActionExecuted("passport_form", timestamp=start + 1.1),
        ActiveLoop("passport_form", timestamp=start + 1.2),
        ActionExecuted("action_listen", timestamp=start + 1.3),
        UserUttered("Rivera", {"name": "inform"}, timestamp=start + 2),
        ActionExecuted("passport_form", timestamp=start + 2.1),
        ActionExecuted("action_listen", timestamp=start + 2.2),
        UserUttered("my ssn is 123-45-6789", {"name": "inform"}, timestamp=start + 3),
        ActionExecuted("passport_form", timestamp=start + 3.1),
        ActiveLoop(None, timestamp=start + 3.2),
        ActionExecuted("action_listen", timestamp=start + 3.3),
        UserUttered("thanks, my email is a.rivera@example.com", timestamp=start + 4),
        BotUttered("You're welcome", timestamp=start + 4.1),
        ActionExecuted("action_listen", timestamp=start + 4.2),
    ]


@pytest.mark.integration
def test_the_tracker_read_this_turn_is_saved_as_rasa_saves_it_without_a_second_read(
    stores: tuple[RedisTrackerStore, MaskingRedisTrackerStore],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As the Rasa server does: read the latest session, add this turn's events to that
    same tracker, save it. Identity answers in a turn after the form started (in an
    earlier turn) are still dropped, and the save does not read the conversation again."""
    rasa, ours = stores
    events = _lookup_session(100) + _lookup_session(200)
    masked = [Event.from_parameters(e) for e in mask_events(_dicts(events))]
    turns = (3, 7, 10, 14, 17, 20, 24, 27, 31, 34)  # the second session starts at 17

    reads = 0
    read = aioredis.Redis.get

    async def counted_get(client: aioredis.Redis, *args: Any) -> Any:
        nonlocal reads
        reads += 1
        return await read(client, *args)

    monkeypatch.setattr(aioredis.Redis, "get", counted_get)

    async def converse(store: RedisTrackerStore, timeline: list[Event]) -> dict:
        done = 0
        for end in turns:
            tracker = await store.retrieve("someone") or _tracker([])
            for event in timeline[done:end]:
                tracker.update(event)
            await store.save(tracker)
            done = end
        return json.loads(store.red.get(store.key_prefix + "someone"))

    expected = asyncio.run(converse(rasa, masked))
    stored = asyncio.run(converse(ours, events))
    assert stored == expected
    assert reads == len(turns) + 1, "one read a turn, and one for the save of a new conversation"
    text = json.dumps(stored)
    assert "123-45" not in text and "Rivera" not in text and "a.rivera@" not in text
    answers = [e for e in stored["events"] if e.get("text") == IDENTITY_ANSWER]
    assert len(answers) == 4  # both answers, in both sessions


@pytest.mark.integration
def test_a_tracker_whose_events_were_replaced_is_merged_again(
    stores: tuple[RedisTrackerStore, MaskingRedisTrackerStore],
) -> None:
    _, ours = stores
    first = _session(100, "hello", "where is my passport")

    async def converse() -> dict:
        await ours.save(_tracker(first[:7]))
        tracker = await ours.retrieve("someone")
        assert tracker is not None
        tracker.events.clear()  # not the events it read: the remembered ones do not apply
        for event in first:
            tracker.update(event)
        await ours.save(tracker)
        return json.loads(ours.red.get(ours.key_prefix + "someone"))

    assert asyncio.run(converse())["events"] == _dicts(first)


READS = {
    "one session": _session(100, "hello"),
    "one session after a first listen": [
        ActionExecuted("action_listen", timestamp=99),
        *_session(100, "hello"),
    ],
    "three sessions": _session(100, "hello") + _session(200, "hi") + _session(300, "thanks"),
    "no session start": _session(100, "hello")[2:],
}


@pytest.mark.integration
@pytest.mark.parametrize("events", READS.values(), ids=READS.keys())
def test_a_read_gives_what_rasas_read_gives(
    stores: tuple[RedisTrackerStore, MaskingRedisTrackerStore], events: list[Event]
) -> None:
    rasa, ours = stores
    stored = json.dumps({"events": _dicts(events), "name": "someone"})
    for store in (rasa, ours):
        store.red.set(store.key_prefix + "someone", stored)

    async def read(store: RedisTrackerStore) -> tuple[list[dict], list[dict], dict]:
        latest = await store.retrieve("someone")
        full = await store.retrieve_full_tracker("someone")
        assert latest is not None and full is not None
        return _dicts(list(latest.events)), _dicts(list(full.events)), latest.current_state()

    assert asyncio.run(read(ours)) == asyncio.run(read(rasa))
