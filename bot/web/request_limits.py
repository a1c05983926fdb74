"""What the web app accepts as a request body: at most CX_MAX_BODY_BYTES (413 above,
before a byte more is read), and JSON that is neither nested deeper than
CX_MAX_JSON_DEPTH nor holding a lone surrogate (400; bot.json_body says why).

Without it a 10 MB body was read whole, and a deeply nested one made FastAPI's
parser raise RecursionError: a 500 on `/api/session` and every JSON route. JSON that
is merely malformed is left to the routes, which answer it in their own words.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.json_body import JsonRefused, read_json
from bot.settings import get_settings

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class BodyTooLarge(Exception):
    pass


def meant_as_json(headers: Headers) -> bool:
    """FastAPI reads a body without a content type as JSON too."""
    content_type = headers.get("content-type", "").lower()
    return not content_type or "json" in content_type


def too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": f"The request body is larger than {limit} bytes."}, 413)


class RequestLimitsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        limit = settings.max_body_bytes
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await too_large(limit)(scope, receive, send)
            return
        try:
            body = await read_body(receive, limit)
        except BodyTooLarge:
            await too_large(limit)(scope, receive, send)
            return
        if body is None:  # the client went away: nobody to answer
            return
        if body and meant_as_json(headers):
            try:
                read_json(body, settings.max_json_depth)
            except JsonRefused as refused:
                if refused.reason != "not_json":
                    await JSONResponse({"detail": refused.message}, 400)(scope, receive, send)
                    return
        await self.app(scope, replay(body, receive), send)


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body (None if the client went away first); BodyTooLarge as soon as
    it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive() that gives the body already read, then waits as the real one does."""
    given = False

    async def receive_again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again
