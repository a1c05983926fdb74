"""The contact-center agent console's channel (`POST /webhooks/agent_console/webhook`).

Same dialogue as the public channels, different wording: Rasa picks a response's
`channel: agent_console` variation by the *output* channel's name, and the REST
channel's output is named `collector`, so the console needs an output channel of its
own. Only the web app calls this route, on behalf of a signed-in agent, with the Rasa
API token (`Authorization: Bearer ...`): the agent wording (and the case details the
actions add for the console) never reaches a public caller of the Rasa server.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import get_settings
from connectors.guard import Guard, Refusal
from connectors.rest import read_body, refusal_response

CHANNEL = "agent_console"
# Conversation ids the web app makes for calls ("call-<hex>") or takes over from the
# widget (its session ids).
SENDER_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class AgentConsoleOutput(CollectingOutputChannel):
    """Collects the turn's messages under the name the agent variations carry."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL


def bearer_token(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def authorized(request: Request, token: str | None) -> bool:
    given = bearer_token(request)
    return bool(token) and bool(given) and hmac.compare_digest(given, token or "")


class AgentConsoleInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self) -> None:
        self.guard = Guard(channel=CHANNEL)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not authorized(request, get_settings().rasa_api_token):
                return response.json(
                    {
                        "error": "unauthorized",
                        "message": "The agent console channel needs the Rasa API token.",
                    },
                    status=401,
                )
            agent = getattr(request.app.ctx, "agent", None)
            domain = agent.domain if agent else None
            data = read_body(request.body)
            sender = data.get("sender") if data else None
            if data is None or not isinstance(sender, str) or not SENDER_ID.match(sender):
                return refusal_response(
                    Refusal(
                        "bad_request",
                        400,
                        "The body must be a JSON object with a 'sender' (8-64 letters, "
                        "digits, _ or -) and a 'message' (text).",
                    )
                )
            refusal = self.guard.check_text(data.get("message"), domain)
            # Every agent's call comes from the web app's address: limit per call only.
            refusal = refusal or await self.guard.admit(sender, f"agent-console:{sender}", domain)
            if refusal is not None:
                return refusal_response(refusal)

            collector = AgentConsoleOutput()
            message = UserMessage(
                data["message"],
                collector,
                sender,
                input_channel=self.name(),
                metadata={"language": "en"},
            )
            apology = await self.guard.deliver(
                on_new_message, message, agent, lambda: len(collector.messages)
            )
            if apology is not None:
                collector.messages.append({"recipient_id": sender, "text": apology})
            return response.json(collector.messages)

        return webhook
