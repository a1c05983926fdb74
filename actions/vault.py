"""Short-lived storage for identity details between the form and the lookup.

A form collects a birth date in one turn and a case number in another, but slots
end up in the tracker store. So a slot holds only a reference (``vault:<token>``);
the value itself waits here, in the action server (Redis when REDIS_URL is set, so
every action-server replica sees it), until the lookup uses and deletes it.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
from functools import cache
from typing import Protocol

import redis
from cachetools import TTLCache

from bot.privacy import VAULT_PREFIX as PREFIX
from bot.privacy import is_vault_reference as is_reference
from bot.settings import get_settings

TTL_SECONDS = 15 * 60  # a form abandoned for 15 minutes starts again


class _Backend(Protocol):
    def put(self, key: str, value: str) -> None: ...
    def get(self, key: str) -> str | None: ...
    def delete(self, key: str) -> None: ...


class _Memory:
    def __init__(self) -> None:
        self._data: TTLCache = TTLCache(maxsize=100_000, ttl=TTL_SECONDS)
        self._lock = threading.Lock()

    def put(self, key: str, value: str) -> None:
        with self._lock:
            self._data[key] = value

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._data.get(key)

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


class _Redis:
    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def put(self, key: str, value: str) -> None:
        self._client.set(f"cx:vault:{key}", value, ex=TTL_SECONDS)

    def get(self, key: str) -> str | None:
        raw = self._client.get(f"cx:vault:{key}")
        return raw.decode() if raw is not None else None

    def delete(self, key: str) -> None:
        self._client.delete(f"cx:vault:{key}")


@cache
def _backend() -> _Backend:
    url = get_settings().redis_url
    return _Redis(url) if url else _Memory()


def _token() -> str:
    # Letters only (about 137 bits): a reference must never look like a number that
    # the tracker store's masking would hide (bot.privacy).
    return "".join(secrets.choice(string.ascii_letters) for _ in range(24))


def keep(value: str) -> str:
    """Store a raw value; returns the reference to put in a slot."""
    token = _token()
    _backend().put(token, json.dumps(value))
    return PREFIX + token


def redeem(reference: str) -> str | None:
    """The raw value behind a reference, or None when it expired or never existed."""
    if not is_reference(reference):
        return None
    raw = _backend().get(reference.removeprefix(PREFIX))
    return json.loads(raw) if raw is not None else None


def forget(reference: str) -> None:
    if is_reference(reference):
        _backend().delete(reference.removeprefix(PREFIX))


def reset_backend() -> None:
    """Choose the backend again from settings (tests change REDIS_URL)."""
    _backend.cache_clear()
