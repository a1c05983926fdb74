"""What every agency client shares: one pooled session, timeouts, retries, a breaker, a cache.

A client never raises into Rasa: every failure becomes an honest `LookupResult`
("unavailable", with the reason logged under the request id), and a response that
is malformed or describes someone else than asked is never passed on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import uuid
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from typing import Any, Literal

import pybreaker
import redis
import requests
from cachetools import TTLCache
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from bot.identity_match import same_fact
from bot.settings import Settings, get_settings

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 2.0
RETRY_AFTER_CAP_SECONDS = 3.0
BREAKER_FAIL_MAX = 5
BREAKER_RESET_SECONDS = 30

Outcome = Literal["found", "no_match", "unavailable"]
Identity = dict[str, Any]


@dataclass(frozen=True)
class CaseStatus:
    lookup: str
    agency: str
    status: str
    last_changed: date | None
    facts: dict[str, str] = field(default_factory=dict)
    items: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        data = asdict(self)
        data["last_changed"] = self.last_changed.isoformat() if self.last_changed else None
        return json.dumps(data)

    @classmethod
    def from_json(cls, raw: str) -> CaseStatus:
        data = json.loads(raw)
        changed = data.pop("last_changed")
        return cls(**data, last_changed=date.fromisoformat(changed) if changed else None)


@dataclass(frozen=True)
class LookupResult:
    outcome: Outcome
    status: CaseStatus | None
    request_id: str
    reason: str = ""


class NoMatch(Exception):
    """The agency has no case matching every identity fact (or will not say which)."""


class Unusable(Exception):
    """The agency answered, but the answer cannot be trusted or read; the message says why."""


class CappedRetry(Retry):
    """urllib3's Retry, but a Retry-After longer than a person will wait is cut short."""

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, RETRY_AFTER_CAP_SECONDS)


def pooled_session(retries: int = 2) -> requests.Session:
    """Connection reuse, and retries only where they are safe: connection failures and
    502/503/504 on these read-only lookups; never a read timeout (a slow agency is not
    helped by being asked again while a person waits)."""
    retry = CappedRetry(
        total=retries,
        connect=retries,
        read=0,
        status=retries,
        backoff_factor=0.2,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET", "POST"}),  # every lookup call is a read
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=32)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class ResultCache:
    """Recent successful answers, keyed by a keyed hash of the identity (never the values)."""

    def __init__(self, settings: Settings, secret: str) -> None:
        self._ttl = settings.agency_cache_ttl_seconds
        self._secret = secret.encode()
        self._redis = (
            redis.Redis.from_url(settings.redis_url, socket_timeout=1, socket_connect_timeout=1)
            if settings.redis_url
            else None
        )
        self._memory: TTLCache = TTLCache(maxsize=10_000, ttl=max(self._ttl, 1))
        self._lock = threading.Lock()

    def key(self, lookup: str, identity: Identity) -> str:
        canonical = json.dumps({k: str(v).lower() for k, v in sorted(identity.items())})
        digest = hmac.new(self._secret, f"{lookup}\0{canonical}".encode(), hashlib.sha256)
        return f"cx:agency-cache:{lookup}:{digest.hexdigest()}"

    def get(self, key: str) -> CaseStatus | None:
        if self._ttl <= 0:
            return None
        try:
            raw = self._redis.get(key) if self._redis else self._memory_get(key)
        except redis.RedisError as error:
            log.warning("agency cache unreachable, calling the agency: %s", error)
            return None
        return CaseStatus.from_json(raw) if raw else None

    def put(self, key: str, status: CaseStatus) -> None:
        if self._ttl <= 0:
            return
        try:
            if self._redis:
                self._redis.set(key, status.to_json(), ex=self._ttl)
            else:
                with self._lock:
                    self._memory[key] = status.to_json()
        except redis.RedisError as error:
            log.warning("agency cache unreachable, answer not cached: %s", error)

    def _memory_get(self, key: str) -> str | None:
        with self._lock:
            return self._memory.get(key)


class AgencyClient(ABC):
    """One agency lookup. Subclasses say how to ask (`_request`) and how to read (`_read`)."""

    lookup_id: str
    agency: str

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout: float,
        result_cache: ResultCache,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = (CONNECT_TIMEOUT_SECONDS, timeout)
        self.cache = result_cache
        self.session = session or pooled_session()
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=BREAKER_FAIL_MAX,
            reset_timeout=BREAKER_RESET_SECONDS,
            exclude=[NoMatch],
            name=self.agency,
        )

    @abstractmethod
    def _request(self, identity: Identity, headers: dict[str, str]) -> requests.Response:
        """Send the agency's lookup request."""

    @abstractmethod
    def _read(self, body: Any, identity: Identity) -> CaseStatus:
        """The case in the agency's answer; raises Unusable for anything not trustworthy."""

    def lookup(self, **identity: Any) -> LookupResult:
        request_id = uuid.uuid4().hex
        key = self.cache.key(self.lookup_id, identity)
        cached = self.cache.get(key)
        if cached is not None:
            return self._done(LookupResult("found", cached, request_id, "cache"))
        try:
            status = self.breaker.call(self._fetch, identity, request_id)
        except NoMatch:
            return self._done(LookupResult("no_match", None, request_id))
        except pybreaker.CircuitBreakerError:
            return self._done(LookupResult("unavailable", None, request_id, "circuit open"))
        except requests.RequestException as error:
            return self._done(LookupResult("unavailable", None, request_id, failure_reason(error)))
        except Unusable as error:
            return self._done(LookupResult("unavailable", None, request_id, str(error)))
        self.cache.put(key, status)
        return self._done(LookupResult("found", status, request_id))

    def _fetch(self, identity: Identity, request_id: str) -> CaseStatus:
        headers = {"X-Api-Key": self.api_key, "X-Request-Id": request_id}
        response = self._request(identity, headers)
        if response.status_code == 404:
            raise NoMatch()
        if response.status_code != 200:
            raise Unusable(f"http {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise Unusable("malformed body") from error
        try:
            return self._read(body, identity)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise Unusable(f"malformed body: {type(error).__name__}") from error

    def _done(self, result: LookupResult) -> LookupResult:
        # Identity values are never logged; the request id ties this line to the agency's logs.
        level = logging.INFO if result.outcome != "unavailable" else logging.WARNING
        log.log(
            level,
            "agency=%s lookup=%s request_id=%s outcome=%s%s",
            self.agency,
            self.lookup_id,
            result.request_id,
            result.outcome,
            f" reason={result.reason}" if result.reason else "",
        )
        return result

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


def failure_reason(error: requests.RequestException) -> str:
    """ "timeout" for any timeout, even one urllib3 wraps after its retries gave up."""
    wrapped = getattr(error.args[0], "reason", None) if error.args else None
    if isinstance(error, requests.Timeout) or isinstance(wrapped, TimeoutError | ReadTimeoutError):
        return "timeout"
    return f"connection failed: {type(error).__name__}"


def require_same_person(pairs: list[tuple[Any, Any]]) -> None:
    """Guard against a back end that answers with someone else's record."""
    if not all(same_fact(got, asked) for got, asked in pairs):
        raise Unusable("record for another person")


def parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def spoken(value: date | None) -> str:
    return f"{value:%B} {value.day}, {value.year}" if value else ""


@cache
def shared_cache() -> ResultCache:
    settings = get_settings()
    return ResultCache(settings, settings.agency_api_key or "")
