"""The ticket lock serialises one conversation's turns across replicas, on real Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa.core.lock_store import LockError

from bot import redis_lock
from bot.redis_clients import LoopBoundRedis
from bot.redis_lock import RedisTicketLocks
from tests.support.stack import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def replicas(redis_url: str) -> list[RedisTicketLocks]:
    """Two lock clients with their own connections, as two Rasa processes have."""
    prefix = f"test:ticketlock:{uuid.uuid4().hex}"
    return [RedisTicketLocks(LoopBoundRedis(redis_url), prefix) for _ in range(2)]


def test_turns_of_one_conversation_never_overlap_and_keep_their_order(
    replicas: list[RedisTicketLocks],
) -> None:
    inside: list[int] = []
    served: list[int] = []
    overlaps = 0

    async def turn(number: int) -> None:
        nonlocal overlaps
        await asyncio.sleep(number * 0.002)  # arrive in order, while others are inside
        async with replicas[number % 2].lock("conversation-1", lock_lifetime=30):
            inside.append(number)
            overlaps += len(inside) > 1
            await asyncio.sleep(0.01)  # a turn's work, during which others try
            served.append(number)
            inside.remove(number)

    async def main() -> None:
        await asyncio.gather(*(turn(n) for n in range(20)))

    asyncio.run(main())
    assert overlaps == 0
    assert served == list(range(20))


def test_other_conversations_are_not_held_up(replicas: list[RedisTicketLocks]) -> None:
    async def main() -> list[str]:
        order: list[str] = []

        async def slow() -> None:
            async with replicas[0].lock("slow", lock_lifetime=30):
                await asyncio.sleep(0.3)
                order.append("slow")

        async def quick() -> None:
            await asyncio.sleep(0.05)
            async with replicas[1].lock("quick", lock_lifetime=30):
                order.append("quick")

        await asyncio.gather(slow(), quick())
        return order

    assert asyncio.run(main()) == ["quick", "slow"]


def test_a_holder_that_died_frees_the_conversation_after_the_lifetime(
    replicas: list[RedisTicketLocks],
) -> None:
    _, state = asyncio.run(replicas[0].issue_and_try("orphaned", lifetime=0.3))  # SIGKILLed
    assert state == 1

    async def next_turn() -> str:
        async with replicas[1].lock("orphaned", lock_lifetime=30):
            return "served"

    assert asyncio.run(asyncio.wait_for(next_turn(), timeout=5)) == "served"


def test_a_killed_holder_lapses_within_its_lease_not_the_lock_lifetime(
    replicas: list[RedisTicketLocks], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_lock, "LEASE_SECONDS", 0.6)
    _, state = asyncio.run(replicas[0].issue_and_try("killed", lifetime=60))  # SIGKILLed
    assert state == 1

    async def next_turn() -> float:
        started = asyncio.get_running_loop().time()
        async with replicas[1].lock("killed", lock_lifetime=60):
            return asyncio.get_running_loop().time() - started

    assert asyncio.run(asyncio.wait_for(next_turn(), timeout=5)) < 3


def test_a_live_holder_keeps_the_lock_beyond_its_lease(
    replicas: list[RedisTicketLocks], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_lock, "LEASE_SECONDS", 0.3)
    order: list[str] = []

    async def main() -> None:
        async def long_turn() -> None:
            async with replicas[0].lock("long", lock_lifetime=30):
                await asyncio.sleep(1.2)  # four leases: renewed, never lapsed
                order.append("long")

        async def next_turn() -> None:
            await asyncio.sleep(0.05)
            async with replicas[1].lock("long", lock_lifetime=30):
                order.append("next")

        await asyncio.gather(long_turn(), next_turn())

    asyncio.run(main())
    assert order == ["long", "next"]


def test_the_last_one_out_leaves_no_keys(replicas: list[RedisTicketLocks]) -> None:
    async def main() -> None:
        async with replicas[0].lock("tidy", lock_lifetime=30):
            pass

    asyncio.run(main())
    assert replicas[0].redis.blocking().keys(f"{replicas[0].prefix}:*") == []


def test_an_unreachable_redis_is_a_lock_error_not_a_hang() -> None:
    locks = RedisTicketLocks(LoopBoundRedis(f"redis://127.0.0.1:{free_port()}", timeout=0.5))

    async def main() -> None:
        async with locks.lock("any", lock_lifetime=30):
            pass

    with pytest.raises(LockError):
        asyncio.run(main())


def test_issuing_tries_the_ticket_in_the_same_step(replicas: list[RedisTicketLocks]) -> None:
    """Most turns find their conversation free: one round trip issues and acquires."""

    async def main() -> None:
        first, state = await replicas[0].issue_and_try("one-step", lifetime=30)
        assert state == 1, "an empty queue: acquired at once"
        second, state = await replicas[1].issue_and_try("one-step", lifetime=30)
        assert (second, state) == (first + 1, 0), "behind the first: it waits"
        await replicas[0].release("one-step", first)
        assert await replicas[1].try_acquire("one-step", second) == 1
        await replicas[1].release("one-step", second)

    asyncio.run(main())
