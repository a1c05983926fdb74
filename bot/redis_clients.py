"""Clients of the shared Redis (tracker store, lock store, rate limits, action cache).

Every client has bounded waits and one retry on a dropped connection: after a Redis
restart every pooled connection is dead, and without the retry the first command on
each would fail although Redis is back.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

# Tracker, lock and action cache share one Redis; separate logical databases keep
# their keys apart and let an operator flush one without the others.
TRACKER_REDIS_DB_OFFSET = 0
LOCK_REDIS_DB_OFFSET = 1


def redis_kwargs(url: str, db_offset: int = 0) -> dict[str, Any]:
    """Split a redis:// URL into the keyword arguments Rasa's Redis stores take."""
    parts = urlsplit(url)
    base_db = int(parts.path.lstrip("/") or 0)
    return {
        "host": parts.hostname or "localhost",
        "port": parts.port or 6379,
        "db": base_db + db_offset,
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
    }


def _client_options(url: str, db_offset: int, timeout: float) -> dict[str, Any]:
    kwargs = redis_kwargs(url, db_offset)
    return {
        "host": kwargs["host"],
        "port": kwargs["port"],
        "db": kwargs["db"],
        "username": kwargs["username"],
        "password": kwargs["password"],
        "ssl": kwargs["use_ssl"],
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry_on_error": [redis.ConnectionError],
    }


def redis_client(url: str, db_offset: int = 0, timeout: float = 1.0) -> redis.Redis:
    """A blocking client: for threads and scripts, never on the Rasa server's event loop."""
    return redis.Redis(retry=Retry(NoBackoff(), 1), **_client_options(url, db_offset, timeout))


class LoopBoundRedis:
    """A non-blocking client for code on an event loop (the Rasa server's stores).

    The Rasa server runs its stores on one event loop, where a blocking Redis call
    stalls every conversation in flight: under `make bench` the loop spent 7% of its
    time waiting for Redis replies. An asyncio connection belongs to the loop that
    opened it, so a new loop (a test's `asyncio.run`) gets a client of its own.
    """

    def __init__(self, url: str, db_offset: int = 0, timeout: float = 1.0) -> None:
        self.url = url
        self.db_offset = db_offset
        self.timeout = timeout
        self._bound: tuple[asyncio.AbstractEventLoop, aioredis.Redis] | None = None
        self._blocking: redis.Redis | None = None

    def blocking(self) -> redis.Redis:
        """A blocking client of the same database, for Rasa's synchronous interfaces."""
        if self._blocking is None:
            self._blocking = redis_client(self.url, self.db_offset, self.timeout)
        return self._blocking

    def client(self) -> aioredis.Redis:
        loop = asyncio.get_running_loop()
        if self._bound is None or self._bound[0] is not loop:
            client = aioredis.Redis(
                retry=AsyncRetry(NoBackoff(), 1),
                **_client_options(self.url, self.db_offset, self.timeout),
            )
            self._bound = (loop, client)
        return self._bound[1]
