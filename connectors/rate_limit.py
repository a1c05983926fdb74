"""Per-conversation and per-address message limits, shared by every channel and replica.

A fixed one-minute window per key: simple, and with Redis (INCR + EXPIRE in one
transaction) every replica counts against the same budget, so adding replicas does
not multiply what one sender may send. Without Redis (a laptop, one process) the
counts live in memory, in one limiter for the whole process: an address has one
budget whether it writes over REST, the widget's socket.io or both at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import cache

from bot.redis_clients import LOCK_REDIS_DB_OFFSET, redis_client
from bot.settings import Settings

WINDOW_SECONDS = 60
KEY_PREFIX = "cx:rate"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limited_by: str | None = None  # "sender" or "address"
    retry_after: int = 0  # seconds until the window resets


class RateLimiter:
    def __init__(self, per_sender: int, per_address: int, redis_url: str | None = None) -> None:
        self.limits = {"sender": per_sender, "address": per_address}
        self._redis = redis_client(redis_url, LOCK_REDIS_DB_OFFSET) if redis_url else None
        self._memory: dict[str, tuple[int, int]] = {}  # key -> (window, count)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        """The process's limiter for these limits: every channel counts in it."""
        return _shared(settings.rate_per_sender, settings.rate_per_ip, settings.redis_url)

    def check(self, sender: str, address: str, now: float | None = None) -> Verdict:
        """Counts this message against both budgets; blocking (one Redis round trip)."""
        now = time.time() if now is None else now
        window = int(now // WINDOW_SECONDS)
        retry_after = max(1, (window + 1) * WINDOW_SECONDS - int(now))
        counts = self._count(
            {
                "sender": f"{KEY_PREFIX}:s:{sender}:{window}",
                "address": f"{KEY_PREFIX}:a:{address}:{window}",
            },
            window,
        )
        for kind, count in counts.items():
            if count > self.limits[kind]:
                return Verdict(False, kind, retry_after)
        return Verdict(True)

    def _count(self, keys: dict[str, str], window: int) -> dict[str, int]:
        if self._redis is not None:
            pipe = self._redis.pipeline(transaction=True)
            for key in keys.values():
                pipe.incr(key)
                pipe.expire(key, WINDOW_SECONDS * 2)
            replies = pipe.execute()
            return {kind: int(replies[2 * i]) for i, kind in enumerate(keys)}
        with self._lock:
            counts = {}
            for kind, key in keys.items():
                seen_window, count = self._memory.get(key, (window, 0))
                count = count + 1 if seen_window == window else 1
                self._memory[key] = (window, count)
                counts[kind] = count
            self._forget_old(window)
            return counts

    def _forget_old(self, window: int) -> None:
        if len(self._memory) > 10_000:
            self._memory = {k: v for k, v in self._memory.items() if v[0] == window}


@cache
def _shared(per_sender: int, per_address: int, redis_url: str | None) -> RateLimiter:
    return RateLimiter(per_sender, per_address, redis_url)
