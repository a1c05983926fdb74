"""A per-conversation ticket lock on Redis that is safe across Rasa replicas.

Rasa 3.6's RedisLockStore keeps each lock as one JSON value that every replica
reads, changes and writes back (issue a ticket, finish serving, clean up), so two
replicas handling one conversation at once can overwrite each other's tickets and
both process at the same time (RasaHQ/rasa#9213: a fix was merged, then reverted).
Here each step is one Lua script, which Redis runs atomically: tickets come from
INCR, the queue is a sorted set ordered by ticket, and every ticket is a short lease
that its live process renews: a ticket whose process died (SIGKILL mid-turn) lapses
within LEASE_SECONDS, so that conversation continues on another replica at once
instead of waiting for Rasa's 60 s lock lifetime. The lock lifetime still caps how long
one turn may hold the conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis
import redis.asyncio as aioredis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from redis.commands.core import AsyncScript

from bot.redis_clients import LoopBoundRedis

# Whose turn it is: 1 if `ticket` is at the head of the queue (acquired), 0 if it must
# wait, -1 if it expired. Expired tickets at the head are dropped on the way.
TURN = """
local function turn(queue, deadlines, ticket, now)
  while true do
    local head = redis.call('ZRANGE', queue, 0, 0)
    if #head == 0 then return -1 end
    local deadline = tonumber(redis.call('HGET', deadlines, head[1]) or '0')
    if deadline < now then
      redis.call('ZREM', queue, head[1])
      redis.call('HDEL', deadlines, head[1])
    elseif head[1] == ticket then
      return 1
    elseif redis.call('ZSCORE', queue, ticket) == false then
      return -1
    else
      return 0
    end
  end
end
"""

# Issues a ticket and tries it in one round trip (most turns find the queue empty).
# KEYS: counter, queue (zset ticket->ticket), deadlines (hash ticket->unix time)
# ARGV: deadline, key expiry seconds, now. Returns {ticket, turn}.
ISSUE_AND_TRY = (
    TURN
    + """
local ticket = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], ticket, ticket)
redis.call('HSET', KEYS[3], ticket, ARGV[1])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
return {ticket, turn(KEYS[2], KEYS[3], tostring(ticket), tonumber(ARGV[3]))}
"""
)

# KEYS: queue, deadlines. ARGV: ticket, now.
TRY_ACQUIRE = TURN + "return turn(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]))"

# ARGV: ticket, new deadline. Renews a live ticket's lease (never revives a dropped one).
RENEW = """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""

# ARGV: ticket. Removes it; the last one out removes the lock's keys.
RELEASE = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
end
return 1
"""

# Waiting turns of one conversation poll this often: a person's next message waits at
# most this long after the previous one finished (Rasa's own store sleeps 1 s).
POLL_SECONDS = 0.02
# A ticket lapses this long after its process last renewed it (renewed every third of it).
LEASE_SECONDS = 6.0


def _issue_args(lifetime: float) -> list[float]:
    expiry = max(1, int(lifetime * 4))  # outlives every ticket it holds
    return [time.time() + min(lifetime, LEASE_SECONDS), expiry]


class RedisTicketLocks:
    def __init__(self, redis_: LoopBoundRedis, prefix: str = "cx:ticketlock") -> None:
        self.redis = redis_
        self.prefix = prefix
        self._scripts: tuple[aioredis.Redis, dict[str, AsyncScript]] | None = None

    def keys(self, conversation_id: str) -> list[str]:
        base = f"{self.prefix}:{conversation_id}"
        return [f"{base}:counter", f"{base}:queue", f"{base}:deadlines"]

    async def _run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        """One atomic step; the scripts are registered once per client (event loop)."""
        client = self.redis.client()
        if self._scripts is None or self._scripts[0] is not client:
            sources = (ISSUE_AND_TRY, TRY_ACQUIRE, RELEASE, RENEW)
            self._scripts = (client, {src: client.register_script(src) for src in sources})
        return await self._scripts[1][script](keys=keys, args=args)

    async def issue_and_try(self, conversation_id: str, lifetime: float) -> tuple[int, int]:
        """Issues this turn's ticket and tries it, atomically: (ticket, state)."""
        keys = self.keys(conversation_id)
        ticket, state = await self._run(ISSUE_AND_TRY, keys, [*_issue_args(lifetime), time.time()])
        return int(ticket), int(state)

    async def renew(self, conversation_id: str, ticket: int, until: float) -> bool:
        keys = self.keys(conversation_id)[1:]
        return bool(await self._run(RENEW, keys, [ticket, min(until, time.time() + LEASE_SECONDS)]))

    async def try_acquire(self, conversation_id: str, ticket: int) -> int:
        keys = self.keys(conversation_id)[1:]
        return int(await self._run(TRY_ACQUIRE, keys, [ticket, time.time()]))

    async def release(self, conversation_id: str, ticket: int) -> None:
        await self._run(RELEASE, self.keys(conversation_id), [ticket])

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float) -> AsyncIterator[TicketLock]:
        """Waits for this conversation's earlier turns, on any replica, to finish."""
        try:
            ticket, state = await self.issue_and_try(conversation_id, lock_lifetime)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock: {type(error).__name__}") from error
        heartbeat = asyncio.create_task(self._keep_alive(conversation_id, ticket, lock_lifetime))
        try:
            while state == 0:
                await asyncio.sleep(POLL_SECONDS)
                state = await self.try_acquire(conversation_id, ticket)
            if state < 0:
                raise LockError(f"ticket {ticket} expired while waiting for its turn")
            yield TicketLock(conversation_id)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(redis.RedisError):  # else its lease frees the queue
                await self.release(conversation_id, ticket)

    async def _keep_alive(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        """Renews the lease while this process lives, up to the lock lifetime."""
        until = time.time() + lifetime
        while time.time() < until:
            await asyncio.sleep(LEASE_SECONDS / 3)
            with contextlib.suppress(redis.RedisError):
                await self.renew(conversation_id, ticket, until)


class RaceSafeRedisLockStore(LockStore):
    """Rasa's lock store interface over RedisTicketLocks; Rasa only ever calls lock()."""

    def __init__(self, redis_: LoopBoundRedis, prefix: str = "cx:ticketlock") -> None:
        self.tickets = RedisTicketLocks(redis_, prefix)
        super().__init__()

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        async with self.tickets.lock(conversation_id, lock_lifetime) as held:
            yield held

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """A held or awaited lock, else None (ticket details stay in Redis)."""
        queue = self.tickets.keys(conversation_id)[1]
        return TicketLock(conversation_id) if self.tickets.redis.blocking().zcard(queue) else None

    def delete_lock(self, conversation_id: str) -> None:
        self.tickets.redis.blocking().delete(*self.tickets.keys(conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("tickets are issued atomically by lock(), never saved whole")
