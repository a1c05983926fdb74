"""The REST webhook (`POST /webhooks/rest/webhook`), with Rasa's silent failures fixed.

Rasa's own REST channel answers 200 with `[]` when anything breaks inside, logs the
text a person typed when it does, takes any `input_channel` and metadata a client
sends (both land in the tracker), and turns malformed bodies into errors or empty
answers. This one keeps the wire format (`{"sender", "message", "metadata"}` in, a
list of bot messages out) and makes every outcome explicit:

- 400/413 with `{"error", "message"}` for a body that is not JSON, a sender id of the
  wrong shape, or a message that is missing, empty or too long;
- 429 (and Retry-After) when a conversation or an address sends too fast;
- 503 (and Retry-After) while the conversation stores are unreachable;
- an apology naming whom to call when handling fails or produces no reply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.pseudonyms import address_metadata
from connectors.guard import Guard, Refusal, client_address
from connectors.website import safe_metadata

# Conversation ids a REST client may choose: no spaces, markup or personal data shapes.
SENDER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


def read_body(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def refusal_response(refusal: Refusal) -> HTTPResponse:
    headers = {}
    if "retry_after" in refusal.detail:
        headers["Retry-After"] = str(refusal.detail["retry_after"])
    return response.json(refusal.body(), status=refusal.status, headers=headers)


class RestInput(InputChannel):
    # Conversation ids this channel accepts, and how a refusal describes them.
    sender_id = SENDER_ID
    sender_rule = "1-128 letters, digits or _.:-"

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self) -> None:
        self.guard = Guard()

    # What a channel built on this one changes.

    def refuse_caller(self, request: Request) -> HTTPResponse | None:
        """A response refusing whoever calls, or None to go on (anyone may call REST)."""
        return None

    def address(self, request: Request, sender: str) -> str:
        """Whose budget of messages per minute this message counts against."""
        return client_address(request)

    def output(self) -> CollectingOutputChannel:
        return CollectingOutputChannel()

    def metadata(self, data: dict[str, Any], address: str) -> dict[str, str]:
        """What the tracker keeps of this message's context: the language, and the
        address only as a keyed hash (the lookup counts misses per address with it)."""
        return {**safe_metadata(data), **address_metadata(address)}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        return webhook

    async def receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        refused = self.refuse_caller(request)
        if refused is not None:
            return refused
        agent = getattr(request.app.ctx, "agent", None)
        domain = agent.domain if agent else None
        data = read_body(request.body)
        sender = data.get("sender") if data else None
        if data is None or not isinstance(sender, str) or not self.sender_id.match(sender):
            return refusal_response(
                Refusal(
                    "bad_request",
                    400,
                    f"The body must be a JSON object with a 'sender' ({self.sender_rule}) "
                    "and a 'message' (text).",
                )
            )
        refusal = self.guard.check_text(data.get("message"), domain)
        address = self.address(request, sender)
        refusal = refusal or await self.guard.admit(sender, address, domain)
        if refusal is not None:
            return refusal_response(refusal)

        collector = self.output()
        message = UserMessage(
            data["message"],
            collector,
            sender,
            input_channel=self.name(),
            metadata=self.metadata(data, address),
        )
        apology = await self.guard.deliver(
            on_new_message, message, agent, lambda: len(collector.messages)
        )
        if apology is not None:
            collector.messages.append({"recipient_id": sender, "text": apology})
        return response.json(collector.messages)
