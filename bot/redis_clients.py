"""Clients of the shared Redis (tracker store, lock store, rate limits, action cache).

Every client has bounded waits and one retry on a dropped connection: after a Redis
restart every pooled connection is dead, and without the retry the first command on
each would fail although Redis is back.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import redis
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


def redis_client(url: str, db_offset: int = 0, timeout: float = 1.0) -> redis.Redis:
    """A blocking client: for threads and scripts, never on the Rasa server's event loop."""
    kwargs = redis_kwargs(url, db_offset)
    return redis.Redis(
        host=kwargs["host"],
        port=kwargs["port"],
        db=kwargs["db"],
        username=kwargs["username"],
        password=kwargs["password"],
        ssl=kwargs["use_ssl"],
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[redis.ConnectionError],
    )
