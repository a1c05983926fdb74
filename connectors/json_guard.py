"""Every request to the Rasa server gets a 400 or a 413 for a body it cannot take,
never a 500, on every route: the channels' and Rasa's own HTTP API.

- Size: above CX_MAX_BODY_BYTES a 413, decided before the body is read (a Sanic
  signal after routing lowers the connection's limit), except on Rasa's training and
  test routes, which take whole data sets and need the API token anyway.
- JSON: a body meant as JSON that is unreadable, nested deeper than CX_MAX_JSON_DEPTH
  or holding a lone surrogate gets a 400 (bot.json_body). Rasa 3.6's HTTP API answers
  some unreadable bodies with a 500 "ParsingError" (`POST /model/parse`, for one), and
  Python's parser raises RecursionError, not ValueError, on deep nesting, which every
  route turned into a 500. Routes that take files or YAML are left alone by their
  content type.

Like connectors/health.py, it is an input channel only because channels are how Rasa
lets a project add to its server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.json_body import JsonRefused, read_json
from bot.settings import get_settings

BODY_METHODS = {"POST", "PUT", "PATCH"}
NOT_JSON_TYPES = ("yaml", "yml", "x-tar", "octet-stream", "multipart", "form", "text/plain")
# Rasa's routes whose bodies are whole training or test data sets (token only).
LARGE_BODY_ROUTES = ("/model/train", "/model/test/")


def json_refusal(request: Request) -> JsonRefused | None:
    """Why a body meant as JSON cannot be taken, or None."""
    if request.method not in BODY_METHODS or not request.body:
        return None
    content_type = (request.headers.get("content-type") or "").lower()
    if any(kind in content_type for kind in NOT_JSON_TYPES):
        return None
    try:
        read_json(request.body, get_settings().max_json_depth)
    except JsonRefused as refused:
        return refused
    return None


def refusal_body(status: int, message: str) -> HTTPResponse:
    return response.json(
        {
            # Both shapes: the channels' ({"error", "message"}) and Rasa's HTTP API's.
            "error": "bad_request" if status == 400 else "too_large",
            "status": "failure",
            "reason": "BadRequest" if status == 400 else "PayloadTooLarge",
            "message": message,
            "code": status,
        },
        status=status,
    )


async def refuse_bad_json(request: Request) -> HTTPResponse | None:
    refused = json_refusal(request)
    return None if refused is None else refusal_body(400, refused.message)


def body_limit(path: str) -> int | None:
    """The most bytes a request to `path` may send; None keeps Sanic's own limit."""
    if path.startswith(LARGE_BODY_ROUTES):
        return None
    return get_settings().max_body_bytes


async def limit_body(request: Request, **_context: Any) -> None:
    """Runs after routing, before Sanic reads the body: a body over the limit is then
    refused as it arrives (PayloadTooLarge), whether or not it declared its length."""
    limit = body_limit(request.path)
    if limit is not None and request.stream is not None:
        request.stream.request_max_size = min(request.stream.request_max_size, limit)


def too_large(request: Request, _error: Exception) -> HTTPResponse:
    limit = get_settings().max_body_bytes
    return refusal_body(413, f"The request body is larger than {limit} bytes.")


class JsonGuardInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "json_guard"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guard = Blueprint(f"cx_{type(self).__name__}", __name__)
        # Blueprint signals are never exclusive: this one runs for every route.
        guard.signal("http.routing.after")(limit_body)

        @guard.listener("before_server_start")
        async def install(app: Sanic, _loop: Any) -> None:
            app.register_middleware(refuse_bad_json, "request")
            app.error_handler.add(PayloadTooLarge, too_large)

        return guard
