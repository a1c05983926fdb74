"""`GET /webhooks/health/`: is this Rasa replica able to serve a conversation?

Rasa's own `GET /` answers "Hello from Rasa" even while every store is down (it
then serves from memory and forgets). This endpoint is what the launcher, the load
balancer and compose healthchecks ask: 200 only when the model is loaded and the
configured tracker and lock stores answer, else 503 with what is wrong. It is an
input channel only because channels are Rasa's way to add routes; it takes no
messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import get_settings
from bot.store_health import check_stores


class HealthInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        health = Blueprint(f"cx_{type(self).__name__}", __name__)

        @health.route("/", methods=["GET"])
        async def check(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            model_ready = bool(agent and agent.is_ready())
            stores = await asyncio.to_thread(check_stores, get_settings())
            checks = {"model": "ok" if model_ready else "not loaded", **stores.checks}
            healthy = model_ready and stores.ok
            return response.json(
                {"status": "ok" if healthy else "unhealthy", "checks": checks},
                status=200 if healthy else 503,
            )

        return health
