"""The public chat widget's real-time channel: Rasa's socket.io channel, made safe.

Why not the stock `socketio` channel: in Rasa 3.6.21 it calls python-socketio 5's
coroutine `enter_room` without awaiting it, so with session persistence the browser
never joins its room and bot replies reach nobody. This channel also refuses what a
browser must not decide: a conversation id of any shape, unbounded messages, and
arbitrary metadata (metadata is stored in the tracker, so only the language passes, and
the address as a keyed hash, bot/pseudonyms.py).
It is also the output channel of Rasa's HTTP API for the warm handoff: an agent's
messages are appended there as bot events and reach the conversation's socket.io room.
"""

from __future__ import annotations

import inspect
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.pseudonyms import address_metadata
from connectors.guard import Guard, Refusal, client_address

log = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
LANGUAGE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
ERROR_EVENT = "cx_error"


def session_id_from(data: Any) -> str:
    """The browser's conversation id if it is one the widget makes, else a new one."""
    wanted = data.get("session_id") if isinstance(data, dict) else None
    if isinstance(wanted, str) and SESSION_ID.match(wanted):
        return wanted
    return uuid.uuid4().hex


def safe_metadata(data: dict[str, Any]) -> dict[str, str]:
    """Only the language reaches the tracker; anything else a page sends is dropped."""
    metadata = data.get("metadata")
    language = metadata.get("language") if isinstance(metadata, dict) else None
    if isinstance(language, str) and LANGUAGE.match(language):
        return {"language": language}
    return {"language": "en"}


class CountingOutput(SocketIOOutput):
    """Counts what reaches the browser, so a turn that produced nothing is noticed."""

    def __init__(self, sio: Any, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """As `custom`, like the REST channel: Rasa 3.6 spreads the JSON into emit()'s
        keyword arguments, which fails for any key emit() does not know."""
        await self._send_message(recipient_id, {"custom": json_message})


class WebsiteInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "website"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = Guard()

    def get_output_channel(self) -> CountingOutput | None:
        """What Rasa's HTTP API sends through (`POST /conversations/{id}/tracker/events`
        with `output_channel=website`): how an agent's messages and the handoff's
        announcements reach the person's room. The stock SocketIOOutput would break on
        custom JSON. None until the blueprint made the socket.io server."""
        if self.sio is None:
            return None
        return CountingOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by super().blueprint

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            session_id = session_id_from(data)
            joined = sio.enter_room(sid, session_id, namespace=self.namespace)
            if inspect.isawaitable(joined):
                await joined
            await sio.save_session(sid, {"session_id": session_id}, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            session = await sio.get_session(sid, namespace=self.namespace)
            session_id = session.get("session_id") if session else None
            environ = sio.get_environ(sid, namespace=self.namespace) or {}
            request = environ.get("sanic.request")  # the connection's handshake
            agent = getattr(request.app.ctx, "agent", None) if request else None
            domain = agent.domain if agent else None
            text = data.get("message") if isinstance(data, dict) else None
            refusal = None if session_id else self.guard.check_text(None, domain)
            refusal = refusal or self.guard.check_text(text, domain)
            address = client_address(request)
            if refusal is None:
                refusal = await self.guard.admit(session_id, address, domain)
            if refusal is not None:
                await self._refuse(sid, refusal)
                return
            output = CountingOutput(sio, self.bot_message_evt)
            message = UserMessage(
                text,
                output,
                session_id,
                input_channel=self.name(),
                metadata={**safe_metadata(data), **address_metadata(address)},
            )
            apology = await self.guard.deliver(on_new_message, message, agent, lambda: output.sent)
            if apology is not None:
                await output.send_text_message(session_id, apology)

        return blueprint

    async def _refuse(self, sid: str, refusal: Refusal) -> None:
        log.info("website channel refused a message: %s", refusal.reason)
        assert self.sio is not None
        await self.sio.emit(
            ERROR_EVENT,
            {"reason": refusal.reason, "message": refusal.message, **refusal.detail},
            room=sid,
            namespace=self.namespace,
        )
