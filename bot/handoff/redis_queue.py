"""The handoff queue on Redis, shared by every Rasa replica and web process.

Keys (prefix `cx:handoff:`, configurable so tests use their own):

    {prefix}line              sorted set: conversation id -> enqueued_at (order, ZRANK = place)
    {prefix}waiting:{id}      hash: channel, summary, enqueued_at (what the console shows)
    {prefix}claim:{id}        hash: agent, claimed_at (who holds it; read on every message)

Every step that reads and then writes (join, claim, release) is one Lua script, which
Redis runs atomically, so two agents claiming at once cannot both win, and a claim can
never interleave with a join. A wait or claim lapses `stale_seconds` after it began: the
scripts treat older ones as gone, and key expiry removes them for good, so nothing
abandoned stays in Redis. Waiting hashes outlive their place in line by a minute, so the
line never lists a conversation whose details already expired.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import redis

from bot.handoff.queue import (
    AlreadyClaimed,
    Claim,
    NotWaiting,
    Waiting,
    check_agent,
    check_channel,
    check_conversation_id,
    check_stale_seconds,
    clean_summary,
    clock,
)
from bot.redis_clients import LOCK_REDIS_DB_OFFSET, redis_client

if TYPE_CHECKING:
    from bot.settings import Settings

KEY_PREFIX = "cx:handoff:"
DETAILS_GRACE_SECONDS = 60

# KEYS: line, waiting hash, claim hash
# ARGV: conversation id, channel, summary, now, cutoff (older is stale), ttl, details ttl
# Returns {place} or {0, holding agent}.
JOIN = """
local held = redis.call('HMGET', KEYS[3], 'agent', 'claimed_at')
if held[1] then
  if tonumber(held[2]) >= tonumber(ARGV[5]) then return {0, held[1]} end
  redis.call('DEL', KEYS[3])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[5])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'summary', ARGV[3])
else
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'channel', ARGV[2], 'summary', ARGV[3], 'enqueued_at', ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[7])
end
redis.call('EXPIRE', KEYS[1], ARGV[6])
return {redis.call('ZRANK', KEYS[1], ARGV[1]) + 1}
"""

# KEYS: line, waiting hash, claim hash
# ARGV: conversation id, agent, now, cutoff, ttl
# Returns {agent, claimed_at} of the claim now in force, or {} when it is not waiting.
CLAIM = """
local held = redis.call('HMGET', KEYS[3], 'agent', 'claimed_at')
if held[1] then
  if tonumber(held[2]) >= tonumber(ARGV[4]) then return held end
  redis.call('DEL', KEYS[3])
end
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) < tonumber(ARGV[4]) or redis.call('EXISTS', KEYS[2]) == 0 then
  return {}
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[3], 'agent', ARGV[2], 'claimed_at', ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[5])
return {ARGV[2], ARGV[3]}
"""

# KEYS: claim hash. ARGV: agent, cutoff.
# Deletes the claim if `agent` holds it (or it lapsed); returns the live holder otherwise.
RELEASE = """
local held = redis.call('HMGET', KEYS[1], 'agent', 'claimed_at')
if not held[1] then return false end
if held[1] == ARGV[1] or tonumber(held[2]) < tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return false
end
return held[1]
"""


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


class RedisHandoffQueue:
    """HandoffQueue on one Redis client (any number of these may share the keys)."""

    def __init__(
        self, client: redis.Redis, prefix: str = KEY_PREFIX, stale_seconds: int = 4 * 60 * 60
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.stale_seconds = int(check_stale_seconds(stale_seconds))
        self.line_key = f"{prefix}line"
        self._join = client.register_script(JOIN)
        self._claim = client.register_script(CLAIM)
        self._release = client.register_script(RELEASE)

    @classmethod
    def from_settings(cls, settings: Settings, prefix: str = KEY_PREFIX) -> RedisHandoffQueue:
        """On the Redis database of locks and rate limits: coordination state the replicas
        share, kept apart from the conversations themselves."""
        assert settings.redis_url, "RedisHandoffQueue needs REDIS_URL"
        client = redis_client(settings.redis_url, LOCK_REDIS_DB_OFFSET)
        return cls(client, prefix, settings.handoff_stale_seconds)

    def waiting_key(self, conversation_id: str) -> str:
        return f"{self.prefix}waiting:{conversation_id}"

    def claim_key(self, conversation_id: str) -> str:
        return f"{self.prefix}claim:{conversation_id}"

    def _keys(self, conversation_id: str) -> list[str]:
        return [
            self.line_key,
            self.waiting_key(conversation_id),
            self.claim_key(conversation_id),
        ]

    def _cutoff(self, now: float) -> float:
        return now - self.stale_seconds

    def join(
        self, conversation_id: str, channel: str, summary: str, now: float | None = None
    ) -> int:
        check_conversation_id(conversation_id)
        check_channel(channel)
        summary = clean_summary(summary)
        now = clock(now)
        result = self._join(
            self._keys(conversation_id),
            [
                conversation_id,
                channel,
                summary,
                repr(now),
                repr(self._cutoff(now)),
                self.stale_seconds,
                self.stale_seconds + DETAILS_GRACE_SECONDS,
            ],
        )
        if int(result[0]) == 0:
            raise AlreadyClaimed(conversation_id, _text(result[1]))
        return int(result[0])

    def place(self, conversation_id: str, now: float | None = None) -> int | None:
        check_conversation_id(conversation_id)
        cutoff = self._cutoff(clock(now))
        pipe = self.client.pipeline(transaction=True)
        pipe.zscore(self.line_key, conversation_id)
        pipe.zrank(self.line_key, conversation_id)
        pipe.zcount(self.line_key, "-inf", f"({cutoff!r}")  # lapsed ones still ahead
        score, rank, lapsed = pipe.execute()
        if score is None or score < cutoff:
            return None
        return int(rank) - int(lapsed) + 1

    def waiting(self, now: float | None = None) -> list[Waiting]:
        now = clock(now)
        return self._between(self._cutoff(now), "+inf")

    def overdue(self, older_than_seconds: float, now: float | None = None) -> list[Waiting]:
        now = clock(now)
        latest = now - older_than_seconds
        cutoff = self._cutoff(now)
        return [] if latest < cutoff else self._between(cutoff, repr(latest))

    def _between(self, earliest: float, latest: str) -> list[Waiting]:
        """Waiting conversations that joined in [earliest, latest], oldest first."""
        members: Sequence[tuple[bytes, float]] = self.client.zrangebyscore(
            self.line_key, repr(earliest), latest, withscores=True
        )
        if not members:
            return []
        pipe = self.client.pipeline(transaction=False)
        for member, _ in members:
            pipe.hmget(self.waiting_key(_text(member)), "channel", "summary")
        found = []
        for (member, score), (channel, summary) in zip(members, pipe.execute(), strict=True):
            if channel is None:  # claimed or left between the two reads
                continue
            found.append(Waiting(_text(member), _text(channel), _text(summary or b""), score))
        return found

    def claim(self, conversation_id: str, agent: str, now: float | None = None) -> Claim:
        check_conversation_id(conversation_id)
        check_agent(agent)
        now = clock(now)
        result = self._claim(
            self._keys(conversation_id),
            [conversation_id, agent, repr(now), repr(self._cutoff(now)), self.stale_seconds],
        )
        if not result:
            raise NotWaiting(conversation_id)
        holder, claimed_at = _text(result[0]), float(result[1])
        if holder != agent:
            raise AlreadyClaimed(conversation_id, holder)
        return Claim(conversation_id, holder, claimed_at)

    def holder(self, conversation_id: str, now: float | None = None) -> Claim | None:
        check_conversation_id(conversation_id)
        agent, claimed_at = self.client.hmget(
            self.claim_key(conversation_id), "agent", "claimed_at"
        )
        if agent is None or claimed_at is None:
            return None
        claim = Claim(conversation_id, _text(agent), float(claimed_at))
        return None if claim.claimed_at < self._cutoff(clock(now)) else claim

    def release(self, conversation_id: str, agent: str, now: float | None = None) -> None:
        check_conversation_id(conversation_id)
        check_agent(agent)
        cutoff = self._cutoff(clock(now))
        holder = self._release([self.claim_key(conversation_id)], [agent, repr(cutoff)])
        if holder:
            raise AlreadyClaimed(conversation_id, _text(holder))

    def leave(self, conversation_id: str) -> None:
        check_conversation_id(conversation_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.zrem(self.line_key, conversation_id)
        pipe.delete(self.waiting_key(conversation_id))
        pipe.execute()
