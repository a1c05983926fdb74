"""Lookups that missed, counted per case and per network address, outside any conversation.

A lock kept in the conversation ends with it: a new conversation id, "start over" or
/restart gave a stranger three fresh guesses at a birth date, and 186 guesses in 32
seconds found one. So misses are counted here, by keyed hashes (bot/pseudonyms.py) of

- the case: the details that name it (`identified_by` in data/lookups/<lookup>.yml,
  never the detail being guessed), compared the way agencies compare them, so "Pena"
  and "PEÑA" are one case;
- the address the messages came from (hashed by the channel), whatever the case and
  the channel.

Each lookup is counted before the agency is asked (so a burst of guesses sent at once
cannot all pass a check made before any of them missed), and given back when the
agency found the case or did not answer. Once either count reaches its limit within
CX_LOOKUP_LOCK_SECONDS, lookups for it are refused without asking the agency, for
that long after the last attempt. Counts live in
Redis when REDIS_URL is set (every replica and process shares them), else in the
product database, so a restart forgets nothing.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Column, Float, Integer, String, delete, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.db import Base, engine_for, ensure_tables
from bot.identity_match import comparable
from bot.pseudonyms import pseudonym
from bot.redis_clients import LOCK_REDIS_DB_OFFSET, redis_client
from bot.settings import Settings, get_settings

KEY_PREFIX = "cx:lookup-miss"
UNKNOWN_ADDRESS = "unknown"  # messages with no address (Rasa's HTTP API): one shared budget


@dataclass(frozen=True)
class Limits:
    per_case: int
    per_address: int
    seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            settings.lookup_misses_per_identity,
            settings.lookup_misses_per_address,
            settings.lookup_lock_seconds,
        )


def case_key(lookup: str, identified_by: list[str], identity: Mapping[str, Any]) -> str:
    """The case's pseudonym: its naming details only, as agencies compare them."""
    facts = [f"{slot}={comparable(identity[slot])}" for slot in identified_by]
    return f"case:{pseudonym('lookup-case', lookup, *facts)}"


def address_key(address_pseudonym: str | None) -> str:
    return f"address:{address_pseudonym or UNKNOWN_ADDRESS}"


class Counts(Protocol):
    """Counts that expire `seconds` after their last increment."""

    def add(self, keys: list[str], seconds: int, now: float) -> list[int]: ...
    def give_back(self, key: str) -> None: ...
    def clear(self, key: str) -> None: ...


@dataclass(frozen=True)
class Attempt:
    allowed: bool  # the agency may be asked
    last: bool  # if this one misses, the case or the address is locked


class MissLedger:
    """Whether a lookup may go to the agency, and what its outcome changes."""

    def __init__(self, counts: Counts, limits: Limits) -> None:
        self.counts = counts
        self.limits = limits

    def attempt(self, case: str, address: str, now: float | None = None) -> Attempt:
        """Counts this lookup as a miss until its outcome says otherwise."""
        on_case, on_address = self.counts.add([case, address], self.limits.seconds, _now(now))
        per_case, per_address = self.limits.per_case, self.limits.per_address
        return Attempt(
            allowed=on_case <= per_case and on_address <= per_address,
            last=on_case >= per_case or on_address >= per_address,
        )

    def found(self, case: str, address: str) -> None:
        """The person got their case right: earlier slips on it are forgiven, and the
        address is charged nothing (its other misses stay: known cases must not wash
        its count)."""
        self.counts.clear(case)
        self.counts.give_back(address)

    def unanswered(self, case: str, address: str) -> None:
        """The agency did not answer: the attempt proved nothing and costs nothing."""
        self.counts.give_back(case)
        self.counts.give_back(address)


def _now(now: float | None) -> float:
    return time.time() if now is None else now


class RedisCounts:
    """INCR and EXPIRE in one transaction: every replica counts on the same keys."""

    # Never below 0, never a key without expiry: an expired count stays gone.
    GIVE_BACK = """
        local count = tonumber(redis.call('get', KEYS[1]) or '0')
        if count > 0 then return redis.call('decr', KEYS[1]) end
        return 0
    """

    def __init__(self, url: str) -> None:
        self._redis = redis_client(url, LOCK_REDIS_DB_OFFSET)
        self._give_back = self._redis.register_script(self.GIVE_BACK)

    def add(self, keys: list[str], seconds: int, now: float) -> list[int]:
        pipe = self._redis.pipeline(transaction=True)
        for key in keys:
            pipe.incr(f"{KEY_PREFIX}:{key}")
            pipe.expire(f"{KEY_PREFIX}:{key}", seconds)
        replies = pipe.execute()
        return [int(replies[2 * i]) for i in range(len(keys))]

    def give_back(self, key: str) -> None:
        self._give_back(keys=[f"{KEY_PREFIX}:{key}"])

    def clear(self, key: str) -> None:
        self._redis.delete(f"{KEY_PREFIX}:{key}")


class LookupMiss(Base):
    """Misses of one case or address (a keyed hash, never the details or the address)."""

    __tablename__ = "lookup_misses"

    key = Column(String(80), primary_key=True)
    count = Column(Integer, nullable=False)
    expires_at = Column(Float, nullable=False, index=True)  # epoch seconds


TABLE = LookupMiss.__table__
C = TABLE.c
ADD_ATTEMPTS = 5


class SqlCounts:
    """The same counts in the product database. An increment is one conditional UPDATE
    (atomic in SQLite and PostgreSQL); a first miss inserts, and an insert that loses a
    race to another process counts again as an update."""

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def engine(self) -> Engine:
        ensure_tables(self.url, [TABLE])
        return engine_for(self.url)

    def add(self, keys: list[str], seconds: int, now: float) -> list[int]:
        return [self._add(key, seconds, now) for key in keys]

    def _add(self, key: str, seconds: int, now: float) -> int:
        for _ in range(ADD_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    bumped = conn.execute(
                        update(TABLE)
                        .where(C.key == key, C.expires_at > now)
                        .values(count=C.count + 1, expires_at=now + seconds)
                    ).rowcount
                    if not bumped:  # a first miss: this key's old row and every lapsed one go
                        conn.execute(delete(TABLE).where(or_(C.key == key, C.expires_at <= now)))
                        conn.execute(
                            TABLE.insert().values(key=key, count=1, expires_at=now + seconds)
                        )
                    return int(conn.execute(select(C.count).where(C.key == key)).scalar_one())
            except IntegrityError:
                continue  # another process inserted first: count on its row
        raise RuntimeError(f"could not count a lookup miss after {ADD_ATTEMPTS} attempts")

    def give_back(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(TABLE).where(C.key == key, C.count > 0).values(count=C.count - 1))

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(TABLE).where(C.key == key))


def shared_ledger() -> MissLedger:
    """The ledger of the current settings (one Redis pool or engine per process)."""
    settings = get_settings()
    return _ledger(
        settings.redis_url, settings.product_database_url, Limits.from_settings(settings)
    )


@cache
def _ledger(redis_url: str | None, database_url: str, limits: Limits) -> MissLedger:
    counts: Counts = RedisCounts(redis_url) if redis_url else SqlCounts(database_url)
    return MissLedger(counts, limits)
