"""The handoff queue behaves the same on Redis, SQLite and PostgreSQL, also under races."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import delete

from bot.db import engine_for
from bot.handoff import AlreadyClaimed, Claim, HandoffQueue, NotWaiting, Waiting, queue_for
from bot.handoff.queue import MAX_SUMMARY
from bot.handoff.redis_queue import DETAILS_GRACE_SECONDS, RedisHandoffQueue
from bot.handoff.sql_queue import TABLE, SqlHandoffQueue
from bot.settings import Settings

STALE = 3600
AGENTS = 16
CONVERSATIONS = 20

BACKENDS = [
    pytest.param("redis", marks=pytest.mark.integration),
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.integration),
]


@dataclass
class Backend:
    name: str
    tag: str
    make: Callable[[], HandoffQueue]  # a new queue object with its own connection(s)

    def id(self, name: str) -> str:
        """A conversation id of this test only, so rows and keys never collide."""
        return f"{self.tag}-{name}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    tag = f"t{uuid.uuid4().hex[:10]}"
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = f"test:handoff:{tag}:"
        clients: list[redis.Redis] = []

        def make_redis() -> HandoffQueue:
            clients.append(redis.Redis.from_url(url))
            return RedisHandoffQueue(clients[-1], prefix=prefix, stale_seconds=STALE)

        yield Backend("redis", tag, make_redis)
        cleanup = redis.Redis.from_url(url)
        if keys := list(cleanup.scan_iter(f"{prefix}*")):
            cleanup.delete(*keys)
        for client in [*clients, cleanup]:
            client.close()
        return

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cx.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    yield Backend(request.param, tag, lambda: SqlHandoffQueue(url, stale_seconds=STALE))
    with engine_for(url).begin() as conn:
        conn.execute(delete(TABLE).where(TABLE.c.conversation_id.startswith(tag)))


@pytest.fixture
def queue(backend: Backend) -> HandoffQueue:
    return backend.make()


@pytest.fixture
def base() -> float:
    """The test's 'now': real time, so key expiry and stored times agree."""
    return time.time()


def ids(entries: list[Waiting]) -> list[str]:
    return [entry.conversation_id for entry in entries]


def test_places_follow_the_order_of_joining(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    a, b, c = backend.id("a"), backend.id("b"), backend.id("c")
    assert isinstance(queue, HandoffQueue)
    assert queue.join(c, "website", "first", now=base) == 1
    assert queue.join(a, "rest", "second", now=base + 1) == 2
    assert queue.join(b, "website", "third", now=base + 2) == 3
    assert [queue.place(x, now=base + 3) for x in (c, a, b)] == [1, 2, 3]
    assert queue.place(backend.id("never-joined"), now=base + 3) is None


def test_joining_again_keeps_place_and_time_and_updates_summary(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    a, b = backend.id("a"), backend.id("b")
    queue.join(a, "website", "Asked about passports.", now=base)
    queue.join(b, "website", "Asked about benefits.", now=base + 1)
    assert queue.join(a, "rest", "Asked about passports; the bot failed twice.", now=base + 50) == 1
    first = queue.waiting(now=base + 60)[0]
    assert first == Waiting(a, "website", "Asked about passports; the bot failed twice.", base)
    assert queue.place(b, now=base + 60) == 2


def test_waiting_lists_oldest_first_with_wait_times(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    # Ids sort the other way round from joining, so the order must come from the times.
    z, m, a = backend.id("z"), backend.id("m"), backend.id("a")
    queue.join(z, "website", "Z waited longest.", now=base)
    queue.join(m, "rest", "M in the middle.", now=base + 10)
    queue.join(a, "website", "A joined last.", now=base + 20)
    line = queue.waiting(now=base + 30)
    assert ids(line) == [z, m, a]
    assert [entry.wait_seconds(base + 30) for entry in line] == [30, 20, 10]
    assert [(e.channel, e.summary) for e in line] == [
        ("website", "Z waited longest."),
        ("rest", "M in the middle."),
        ("website", "A joined last."),
    ]
    assert line[0].enqueued_at == base
    assert line[2].wait_seconds(base) == 0, "a clock behind the join never gives a negative wait"
    assert 0 <= line[0].wait_seconds() < 60


def test_a_claim_takes_the_conversation_out_of_line_and_others_move_up(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    a, b, c = backend.id("a"), backend.id("b"), backend.id("c")
    for offset, conversation in enumerate((a, b, c)):
        queue.join(conversation, "website", "Needs help.", now=base + offset)
    claim = queue.claim(b, "alice", now=base + 5)
    assert claim == Claim(b, "alice", base + 5)
    assert queue.place(b, now=base + 6) is None
    assert (queue.place(a, now=base + 6), queue.place(c, now=base + 6)) == (1, 2)
    assert ids(queue.waiting(now=base + 6)) == [a, c]
    assert queue.holder(b, now=base + 6) == claim
    assert queue.holder(a, now=base + 6) is None
    assert backend.make().holder(b, now=base + 6) == claim, "another process sees it too"


def test_of_two_agents_claiming_one_wins_and_the_other_learns_who(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    a = backend.id("a")
    queue.join(a, "website", "Needs help.", now=base)
    queue.claim(a, "alice", now=base + 1)
    with pytest.raises(AlreadyClaimed) as raised:
        backend.make().claim(a, "bob", now=base + 2)
    assert (raised.value.by, raised.value.conversation_id) == ("alice", a)
    assert "alice" in str(raised.value)
    assert queue.holder(a, now=base + 3) == Claim(a, "alice", base + 1)


def test_the_same_agent_claiming_again_gets_the_existing_claim(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    a = backend.id("a")
    queue.join(a, "website", "Needs help.", now=base)
    first = queue.claim(a, "alice", now=base + 1)
    assert queue.claim(a, "alice", now=base + 9) == first == Claim(a, "alice", base + 1)


def test_claiming_what_is_not_waiting_is_refused(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    never, left, released = backend.id("never"), backend.id("left"), backend.id("released")
    with pytest.raises(NotWaiting) as raised:
        queue.claim(never, "alice", now=base)
    assert raised.value.conversation_id == never
    queue.join(left, "website", "Gone.", now=base)
    queue.leave(left)
    with pytest.raises(NotWaiting):
        queue.claim(left, "alice", now=base + 1)
    queue.join(released, "website", "Handed back.", now=base)
    queue.claim(released, "alice", now=base + 1)
    queue.release(released, "alice", now=base + 2)
    with pytest.raises(NotWaiting):
        queue.claim(released, "alice", now=base + 3)


def test_only_the_holder_releases_and_then_the_bot_answers_again(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    a, b = backend.id("a"), backend.id("b")
    queue.join(a, "website", "Needs help.", now=base)
    queue.claim(a, "alice", now=base + 1)
    with pytest.raises(AlreadyClaimed) as raised:
        queue.release(a, "bob", now=base + 2)
    assert raised.value.by == "alice"
    assert queue.holder(a, now=base + 2) == Claim(a, "alice", base + 1)

    queue.release(a, "alice", now=base + 3)
    assert queue.holder(a, now=base + 3) is None
    queue.release(a, "alice", now=base + 4)  # already handed back: nothing to do
    queue.release(a, "bob", now=base + 4)

    # Asking for a person again later is a new wait, behind whoever is in line now.
    queue.join(b, "rest", "Waiting meanwhile.", now=base + 5)
    assert queue.join(a, "website", "Asked again.", now=base + 6) == 2
    assert queue.claim(a, "bob", now=base + 7) == Claim(a, "bob", base + 7)


def test_joining_a_held_conversation_names_the_agent(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    a = backend.id("a")
    queue.join(a, "website", "Needs help.", now=base)
    queue.claim(a, "alice", now=base + 1)
    with pytest.raises(AlreadyClaimed) as raised:
        queue.join(a, "website", "Asked again.", now=base + 2)
    assert raised.value.by == "alice"
    assert queue.holder(a, now=base + 2) == Claim(a, "alice", base + 1)


def test_leaving_takes_the_conversation_out_of_line_only(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    a, b, held = backend.id("a"), backend.id("b"), backend.id("held")
    queue.join(a, "website", "Ends the chat.", now=base)
    queue.join(b, "website", "Stays.", now=base + 1)
    queue.join(held, "website", "With an agent.", now=base + 2)
    queue.claim(held, "alice", now=base + 3)

    queue.leave(a)
    assert queue.place(a, now=base + 4) is None
    assert queue.place(b, now=base + 4) == 1
    assert ids(queue.waiting(now=base + 4)) == [b]
    queue.leave(a)  # not there any more: no-op
    queue.leave(backend.id("never-joined"))
    queue.leave(held)
    assert queue.holder(held, now=base + 4) == Claim(held, "alice", base + 3)


def test_overdue_lists_those_waiting_at_least_that_long(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    old, exact, fresh = backend.id("old"), backend.id("exact"), backend.id("fresh")
    queue.join(old, "website", "Waited long.", now=base - 400)
    queue.join(exact, "rest", "Waited exactly the limit.", now=base - 300)
    queue.join(fresh, "website", "Just joined.", now=base - 100)
    late = queue.overdue(300, now=base)
    assert ids(late) == [old, exact]
    assert [entry.wait_seconds(base) for entry in late] == [400, 300]
    assert queue.overdue(500, now=base) == []
    queue.claim(old, "alice", now=base)
    assert ids(queue.overdue(300, now=base)) == [exact], "a claimed one is no longer offered"


def test_lapsed_waits_and_claims_are_gone(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    abandoned, current, forgotten = backend.id("abandoned"), backend.id("now"), backend.id("f")
    queue.join(abandoned, "website", "Closed the tab.", now=base - STALE - 1)
    queue.join(forgotten, "website", "Agent forgot.", now=base - STALE - 5)
    queue.claim(forgotten, "alice", now=base - STALE - 1)
    assert queue.join(current, "website", "Here now.", now=base) == 1

    assert ids(queue.waiting(now=base)) == [current]
    assert queue.overdue(0, now=base) == queue.waiting(now=base)
    assert queue.place(abandoned, now=base) is None
    with pytest.raises(NotWaiting):
        queue.claim(abandoned, "bob", now=base)

    assert queue.holder(forgotten, now=base) is None, "the assistant answers again"
    with pytest.raises(NotWaiting):
        queue.claim(forgotten, "bob", now=base)
    queue.release(forgotten, "bob", now=base)  # a lapsed claim blocks nobody

    # Both may ask for a person again: a fresh wait, at the end of the line.
    assert queue.join(abandoned, "website", "Back again.", now=base + 1) == 2
    assert queue.join(forgotten, "website", "Back again.", now=base + 2) == 3


@pytest.mark.integration
def test_redis_keys_expire(redis_url: str, base: float) -> None:
    prefix = f"test:handoff:{uuid.uuid4().hex}:"
    client = redis.Redis.from_url(redis_url)
    queue = RedisHandoffQueue(client, prefix=prefix, stale_seconds=STALE)
    try:
        queue.join("waits", "website", "In line.", now=base)
        queue.join("held", "website", "Claimed.", now=base)
        queue.claim("held", "alice", now=base)
        ttls = {key.decode(): client.ttl(key) for key in client.scan_iter(f"{prefix}*")}
        assert set(ttls) == {
            f"{prefix}line",
            f"{prefix}waiting:waits",
            f"{prefix}claim:held",
        }, "a claimed conversation's waiting details are deleted"
        assert 0 < ttls[f"{prefix}line"] <= STALE
        assert 0 < ttls[f"{prefix}claim:held"] <= STALE
        assert STALE < ttls[f"{prefix}waiting:waits"] <= STALE + DETAILS_GRACE_SECONDS
    finally:
        if keys := list(client.scan_iter(f"{prefix}*")):
            client.delete(*keys)
        client.close()


def test_bad_input_is_refused_with_a_reason(
    backend: Backend, queue: HandoffQueue, base: float
) -> None:
    a = backend.id("a")
    with pytest.raises(ValueError, match="non-empty"):
        queue.join("", "website", "Summary.", now=base)
    with pytest.raises(ValueError, match="non-empty"):
        queue.place("   ")
    with pytest.raises(ValueError, match="129 characters long; at most 128"):
        queue.join("x" * 129, "website", "Summary.", now=base)
    with pytest.raises(ValueError, match="channel"):
        queue.join(a, "", "Summary.", now=base)
    assert queue.place(a) is None, "a refused join leaves nothing behind"

    queue.join(a, "website", "Summary.", now=base)
    for agent in ("", "Alice Smith", "al"):
        with pytest.raises(ValueError, match="staff username"):
            queue.claim(a, agent, now=base)
    with pytest.raises(ValueError, match="staff username"):
        queue.release(a, "")
    assert queue.holder(a) is None, "a refused claim claims nothing"

    longest = backend.id("x" * (128 - len(backend.id(""))))
    assert queue.join(longest, "website", "w " * 5000, now=base + 1) == 2
    summary = queue.waiting(now=base + 2)[1].summary
    assert len(summary) <= MAX_SUMMARY
    assert summary.startswith("w w") and summary.endswith("…")


def test_concurrent_claims_have_exactly_one_winner(backend: Backend, base: float) -> None:
    """16 agents, each with their own queue object and connection, claim the same
    conversation at the same moment; repeated over 20 conversations."""
    queues = [backend.make() for _ in range(AGENTS)]
    agents = [f"agent-{n:02d}" for n in range(AGENTS)]
    conversations = [backend.id(f"race-{n}") for n in range(CONVERSATIONS)]
    for offset, conversation in enumerate(conversations):
        queues[0].join(conversation, "website", "Racing.", now=base + offset)

    def attempt(conversation: str, n: int, start: threading.Barrier) -> tuple[str, str]:
        start.wait()
        try:
            return "won", queues[n].claim(conversation, agents[n], now=base + 100).agent
        except AlreadyClaimed as lost:
            return "lost", lost.by

    with ThreadPoolExecutor(max_workers=AGENTS) as pool:
        for conversation in conversations:
            start = threading.Barrier(AGENTS)
            outcomes = list(
                pool.map(lambda n, c=conversation, s=start: attempt(c, n, s), range(AGENTS))
            )
            winners = [agent for outcome, agent in outcomes if outcome == "won"]
            assert len(winners) == 1, f"{conversation}: {outcomes}"
            assert all(agent == winners[0] for _, agent in outcomes), outcomes
            assert queues[-1].holder(conversation, now=base + 100) == Claim(
                conversation, winners[0], base + 100
            )
    assert queues[0].waiting(now=base + 100) == []


def test_concurrent_joins_make_one_entry(backend: Backend, base: float) -> None:
    queues = [backend.make() for _ in range(AGENTS)]
    conversation = backend.id("double-click")
    start = threading.Barrier(AGENTS)

    def join(n: int) -> int:
        start.wait()
        return queues[n].join(conversation, "website", f"Summary {n}.", now=base + n)

    with ThreadPoolExecutor(max_workers=AGENTS) as pool:
        places = list(pool.map(join, range(AGENTS)))
    assert places == [1] * AGENTS
    line = queues[0].waiting(now=base + 20)
    assert ids(line) == [conversation]
    assert line[0].enqueued_at in {base + n for n in range(AGENTS)}


def test_queue_for_picks_the_backend_from_settings(tmp_path: Path) -> None:
    local = Settings(_env_file=None, var_dir=tmp_path, redis_url=None, database_url=None)
    assert (local.handoff_wait_seconds, local.handoff_stale_seconds) == (300, 4 * 60 * 60)
    sql = queue_for(local)
    assert isinstance(sql, SqlHandoffQueue) and isinstance(sql, HandoffQueue)
    assert sql.url == f"sqlite:///{tmp_path / 'cx.db'}"
    assert sql.waiting() == [], "the table is created on first use"

    shared = queue_for(
        Settings(
            _env_file=None,
            var_dir=tmp_path,
            redis_url="redis://127.0.0.1:6379/2",
            handoff_stale_seconds=600,
        )
    )
    assert isinstance(shared, RedisHandoffQueue) and isinstance(shared, HandoffQueue)
    # The database of locks and rate limits (one after the tracker's), default prefix.
    assert shared.client.connection_pool.connection_kwargs["db"] == 3
    assert (shared.prefix, shared.stale_seconds) == ("cx:handoff:", 600)
    with pytest.raises(ValueError, match="stale_seconds must be positive"):
        SqlHandoffQueue(local.product_database_url, stale_seconds=0)
