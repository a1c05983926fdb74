"""The contact-center agent console's channel (`POST /webhooks/agent_console/webhook`).

Same dialogue as the public channels, different wording: Rasa picks a response's
`channel: agent_console` variation by the *output* channel's name, and the REST
channel's output is named `collector`, so the console needs an output channel of its
own. Only the web app calls this route, on behalf of a signed-in agent, with the Rasa
API token (`Authorization: Bearer ...`): the agent wording (and the case details the
actions add for the console) never reaches a public caller of the Rasa server.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.bearer import HEADER, holds_token
from bot.pseudonyms import address_metadata
from bot.settings import get_settings
from connectors.guard import Guard
from connectors.rest import RestInput

CHANNEL = "agent_console"
# Conversation ids the web app makes for calls ("call-<hex>") or takes over from the
# widget (its session ids).
SENDER_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class AgentConsoleOutput(CollectingOutputChannel):
    """Collects the turn's messages under the name the agent variations carry."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL


def authorized(request: Request, token: str | None) -> bool:
    return holds_token(request.headers.get(HEADER), token)


class AgentConsoleInput(RestInput):
    """The REST webhook's wire format and checks, for the web app only, in agent wording."""

    sender_id = SENDER_ID
    sender_rule = "8-64 letters, digits, _ or -"

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self) -> None:
        self.guard = Guard(channel=CHANNEL)

    def refuse_caller(self, request: Request) -> HTTPResponse | None:
        if authorized(request, get_settings().rasa_api_token):
            return None
        return response.json(
            {
                "error": "unauthorized",
                "message": "The agent console channel needs the Rasa API token.",
            },
            status=401,
        )

    def address(self, request: Request, sender: str) -> str:
        # Every agent's call comes from the web app's address: limit per call only.
        return f"agent-console:{sender}"

    def output(self) -> CollectingOutputChannel:
        return AgentConsoleOutput()

    def metadata(self, data: dict[str, Any], address: str) -> dict[str, str]:
        return {"language": "en", **address_metadata(address)}
