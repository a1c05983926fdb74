"""One HTTP connection pool per Rasa endpoint, instead of one per request.

Rasa 3.6's `EndpointConfig.request` opens a new aiohttp session, and so a new TCP
connection, around every call: every custom action and every form validation (up to
three calls to the action server in one turn here) paid for a connection set-up on
both sides and a fresh session. The session is now kept per endpoint and event loop;
`async with endpoint.session()` still hands out a session, and leaving the block no
longer closes it. Idle connections are dropped before the action server's
keep-alive (Sanic: 5 s) would drop them under a request.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

IDLE_SECONDS = 2.0
_KEPT = "_cx_kept_session"


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
    """Configured exactly as Rasa's `EndpointConfig.session` configures one."""
    auth = None
    if endpoint.basic_auth:
        auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
    return aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS),
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
