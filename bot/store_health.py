"""Are the configured conversation stores reachable right now?

Rasa wraps the tracker store in a FailSafeTrackerStore that, when the store fails,
quietly carries on in memory: each replica then answers from its own empty copy and
the conversation is lost when it ends. The health endpoint and the input channels
ask this module instead, so an outage is reported and refused rather than hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import redis
from sqlalchemy import text

from bot.db import engine_for
from bot.redis_clients import LOCK_REDIS_DB_OFFSET, TRACKER_REDIS_DB_OFFSET, redis_client
from bot.settings import Settings

# A store that does not answer within this is down for the person waiting.
PROBE_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class StoreHealth:
    checks: dict[str, str]  # store -> "ok" or what went wrong

    @property
    def ok(self) -> bool:
        return all(result == "ok" for result in self.checks.values())


@cache
def _redis_client(url: str, db_offset: int) -> redis.Redis:
    return redis_client(url, db_offset, PROBE_TIMEOUT_SECONDS)


def _probe_redis(url: str, db_offset: int) -> str:
    try:
        _redis_client(url, db_offset).ping()
    except redis.RedisError as error:
        return f"unreachable: {type(error).__name__}"
    return "ok"


def _probe_sql(url: str) -> str:
    try:
        with engine_for(url).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver's failure means the same to a person
        return f"unreachable: {type(error).__name__}"
    return "ok"


def check_stores(settings: Settings) -> StoreHealth:
    """Probe the tracker and lock stores the settings select (blocking; run in a thread)."""
    if settings.redis_url:
        return StoreHealth(
            {
                "tracker_store": _probe_redis(settings.redis_url, TRACKER_REDIS_DB_OFFSET),
                "lock_store": _probe_redis(settings.redis_url, LOCK_REDIS_DB_OFFSET),
            }
        )
    # In-memory locks live in the process itself: nothing to probe.
    return StoreHealth({"tracker_store": _probe_sql(settings.tracker_database_url)})
