"""Broken JSON gets a 400 that says so, on every route of the Rasa server.

Rasa 3.6's HTTP API answers some unreadable bodies with a 500 "ParsingError"
(`POST /model/parse`, for one), which reads as an outage to monitoring and hides the
client's mistake. This app-wide request middleware checks the body once, before any
handler. Routes that take files or YAML (PUT /model, /model/train, /model/test) are
left alone by their content type. Like connectors/health.py, it is an input channel
only because channels are how Rasa lets a project add to its server.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

BODY_METHODS = {"POST", "PUT", "PATCH"}
NOT_JSON_TYPES = ("yaml", "yml", "x-tar", "octet-stream", "multipart", "form", "text/plain")


def unreadable_json(request: Request) -> bool:
    """True when the body is meant as JSON and cannot be read as such."""
    if request.method not in BODY_METHODS or not request.body:
        return False
    content_type = (request.headers.get("content-type") or "").lower()
    if any(kind in content_type for kind in NOT_JSON_TYPES):
        return False
    try:
        json.loads(request.body)
    except ValueError:  # also invalid UTF-8 (UnicodeDecodeError is a ValueError)
        return True
    return False


async def refuse_unreadable_json(request: Request) -> HTTPResponse | None:
    if not unreadable_json(request):
        return None
    return response.json(
        {
            # Both shapes: the channels' ({"error", "message"}) and Rasa's HTTP API's.
            "error": "bad_request",
            "status": "failure",
            "reason": "BadRequest",
            "message": "The request body is not valid JSON.",
            "code": 400,
        },
        status=400,
    )


class JsonGuardInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "json_guard"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guard = Blueprint(f"cx_{type(self).__name__}", __name__)

        @guard.listener("before_server_start")
        async def install(app: Sanic, _loop: Any) -> None:
            app.register_middleware(refuse_unreadable_json, "request")

        return guard
