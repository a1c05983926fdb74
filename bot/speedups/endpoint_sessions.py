"""One HTTP connection pool per Rasa endpoint, instead of one per request.

Rasa 3.6's `EndpointConfig.request` opens a new aiohttp session, and so a new TCP
connection, around every call: every custom action and every form validation (up to
three calls to the action server in one turn here) paid for a connection set-up on
both sides and a fresh session. The session is now kept per endpoint and event loop;
`async with endpoint.session()` still hands out a session, and leaving the block no
longer closes it. Idle connections are dropped before the action server's
keep-alive (Sanic: 5 s) would drop them under a request.

Every action call also carries the whole domain (about 50 kB of JSON, 40 of them
responses), re-encoded each time: 8% of Rasa's CPU under `make bench`. Rasa hands out
the same dict for a loaded domain (`Domain.as_dict` returns its data), so the kept
session encodes it once per domain and writes the rest of each body around it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

IDLE_SECONDS = 2.0
_KEPT = "_cx_kept_session"
_ENCODED_DOMAINS = 4
_encoded: dict[int, tuple[dict[str, Any], str]] = {}  # id -> (the dict itself, its JSON)


def _domain_json(domain: dict[str, Any]) -> str:
    kept = _encoded.get(id(domain))
    if kept is None or kept[0] is not domain:
        if len(_encoded) >= _ENCODED_DOMAINS:
            _encoded.clear()
        kept = (domain, json.dumps(domain))  # holding the dict keeps its id unique
        _encoded[id(domain)] = kept
    return kept[1]


def encode_body(body: Any) -> str:
    """`json.dumps(body)`, with an action call's domain encoded once per domain."""
    domain = body.get("domain") if isinstance(body, dict) else None
    if not isinstance(domain, dict) or not domain:
        return json.dumps(body)
    rest = json.dumps({key: value for key, value in body.items() if key != "domain"})
    separator = ", " if rest != "{}" else ""
    return f'{rest[:-1]}{separator}"domain": {_domain_json(domain)}}}'


class KeptSession:
    """A session that outlives `async with`; anything else goes to the session."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *_exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def _new_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """Rasa's headers, auth and timeout; a kept-alive pool; the domain encoded once."""
    auth = None
    if endpoint.basic_auth:
        auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
    return aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS),
        json_serialize=encode_body,
    )


def kept_session(self: EndpointConfig) -> KeptSession:
    loop = asyncio.get_running_loop()
    kept: tuple[asyncio.AbstractEventLoop, KeptSession] | None = self.__dict__.get(_KEPT)
    if kept is None or kept[0] is not loop or kept[1].session.closed:
        kept = (loop, KeptSession(_new_session(self)))
        self.__dict__[_KEPT] = kept
    return kept[1]


def install() -> None:
    """Idempotent."""
    EndpointConfig.session = kept_session  # type: ignore[assignment]
