"""Warm handoff from the public widget to an agent: the web app's routes.

The person's side (public, like the chat history: the conversation id is the secret):
their place in line, the callback offer once they waited CX_HANDOFF_WAIT_SECONDS, and
leaving the line. The agent's side (role `agent` or `supervisor`, CSRF): the waiting
chats, taking one (exactly one of racing agents wins, bot/handoff), writing to the
person, handing the chat back to the assistant, closing it.

The assistant stays silent through Rasa's own mechanism: taking a chat appends a `pause`
event to its tracker (Rasa then stores the person's messages without answering), handing
it back appends `resume`. The agent's messages are bot events with the agent's name in
their metadata, appended with `output_channel=website` so Rasa sends them to the
person's socket.io room (connectors/website.py) as typed, then stores them masked.
Joins and departures are announced to the widget as custom JSON (`cx_event`:
agent_joined, agent_left).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from bot.agent.assistant import Assistant, AssistantUnavailable
from bot.auth.accounts import StaffUser, display_name
from bot.auth.models import CONSOLE_ROLES
from bot.auth.sessions import require_staff
from bot.catalog.contacts import contact_for
from bot.handoff import AlreadyClaimed, HandoffQueue, NotWaiting, queue_for
from bot.privacy import AGENT_KEY, mask_event
from bot.settings import Settings, get_settings
from bot.web.chat import SESSION_ID

router = APIRouter()
agent_only = require_staff(*CONSOLE_ROLES)  # supervisors take chats too

LIVE_CHAT_CHANNEL = "website"  # the channel whose output reaches the person's widget
AGENT_JOINED_SLOT = "agent_joined"  # the survey asks about the person who helped
MAX_AGENT_MESSAGE_CHARS = 2000
QUEUE_DOWN = "The handoff queue is not reachable right now."


class AgentMessage(BaseModel):
    text: str


def _conversation(conversation_id: str) -> str:
    if not SESSION_ID.match(conversation_id):
        raise HTTPException(400, detail="Not a conversation id.")
    return conversation_id


_queue_of: tuple[Settings, HandoffQueue] | None = None


def _queue() -> HandoffQueue:
    """One queue per settings (a Redis one keeps its connection pool across polls)."""
    global _queue_of
    settings = get_settings()
    if _queue_of is None or _queue_of[0] is not settings:
        _queue_of = (settings, queue_for(settings))
    return _queue_of[1]


async def _in_queue(work: Any, *args: Any) -> Any:
    """A blocking queue call in the thread pool; 503 when Redis or the database fails."""
    try:
        return await run_in_threadpool(work, *args)
    except (AlreadyClaimed, NotWaiting):
        raise
    except Exception as error:
        raise HTTPException(503, detail=QUEUE_DOWN) from error


async def _tell(conversation_id: str, events: list[dict[str, Any]]) -> None:
    """Appends events to the conversation and sends its bot events to the widget."""
    try:
        await run_in_threadpool(
            Assistant.from_settings().append_events, conversation_id, events, LIVE_CHAT_CHANNEL
        )
    except AssistantUnavailable as error:
        raise HTTPException(503, detail=str(error)) from error


def _announce(cx_event: str, **values: Any) -> dict[str, Any]:
    return {"event": "bot", "text": None, "data": {"custom": {"cx_event": cx_event, **values}}}


# ---- the person's side -------------------------------------------------------------


@router.get("/api/chat/handoff/{session_id}")
async def handoff_status(session_id: str) -> dict[str, Any]:
    """Where the person stands: waiting (place, and a callback number once overdue),
    claimed (the agent's name) or none."""
    session_id = _conversation(session_id)
    settings = get_settings()
    queue = _queue()
    status: dict[str, Any] = {
        "state": "none",
        "place": None,
        "agent": None,
        "overdue": False,
        "callback": None,
    }
    claim = await _in_queue(queue.holder, session_id)
    if claim is not None:
        agent = await run_in_threadpool(display_name, claim.agent)
        return {**status, "state": "claimed", "agent": agent}
    place = await _in_queue(queue.place, session_id)
    if place is None:
        return status
    overdue_ones = await _in_queue(queue.overdue, settings.handoff_wait_seconds)
    overdue = any(w.conversation_id == session_id for w in overdue_ones)
    status.update(state="waiting", place=place, overdue=overdue)
    if overdue:
        status["callback"] = await _callback(session_id)
    return status


async def _callback(conversation_id: str) -> dict[str, str] | None:
    """The number of the agency the conversation is about (USAGov when unknown)."""
    try:
        slots = await run_in_threadpool(Assistant.from_settings().slots, conversation_id)
    except AssistantUnavailable:
        slots = {}
    contact = await run_in_threadpool(contact_for, slots)
    if contact is None:
        return None
    return {"agency": contact.agency, "phone": contact.phone, "hours": contact.hours}


@router.post("/api/chat/handoff/{session_id}/leave")
async def leave_line(session_id: str) -> dict[str, str]:
    """The person ended the chat (or will call instead): out of the line."""
    await _in_queue(_queue().leave, _conversation(session_id))
    return {"state": "none"}


# ---- the agent's side --------------------------------------------------------------


@router.get("/api/agent/queue")
async def waiting_chats(user: StaffUser = Depends(agent_only)) -> dict[str, Any]:
    settings = get_settings()
    waiting = await _in_queue(_queue().waiting)
    return {
        "waitLimitSeconds": settings.handoff_wait_seconds,
        "waiting": [
            {
                "conversationId": w.conversation_id,
                "channel": w.channel,
                "summary": w.summary,
                "waitSeconds": int(w.wait_seconds()),
                "overdue": w.wait_seconds() >= settings.handoff_wait_seconds,
            }
            for w in waiting
        ],
    }


@router.post("/api/agent/queue/{conversation_id}/claim")
async def take_chat(conversation_id: str, user: StaffUser = Depends(agent_only)) -> dict[str, Any]:
    """Of agents racing for one chat, one gets 200 and the others 409 naming the winner.
    Taking a chat one holds already is safe (the assistant is paused again)."""
    conversation_id = _conversation(conversation_id)
    try:
        await _in_queue(_queue().claim, conversation_id, user.username)
    except AlreadyClaimed as taken:
        winner = await run_in_threadpool(display_name, taken.by)
        raise HTTPException(409, detail=f"Already taken by {winner}.") from taken
    except NotWaiting as gone:
        raise HTTPException(404, detail="This chat is no longer waiting.") from gone
    await _tell(
        conversation_id,
        [
            {"event": "pause"},
            {"event": "slot", "name": AGENT_JOINED_SLOT, "value": True},
            _announce("agent_joined", agent=user.display_name),
        ],
    )
    return {"conversationId": conversation_id, "agent": user.display_name}


async def _check_holder(conversation_id: str, user: StaffUser, required: bool) -> None:
    """403 unless `user` holds the chat (or, when not `required`, nobody does)."""
    claim = await _in_queue(_queue().holder, conversation_id)
    if claim is not None and claim.agent != user.username:
        other = await run_in_threadpool(display_name, claim.agent)
        raise HTTPException(403, detail=f"{other} has this chat, not you.")
    if claim is None and required:
        raise HTTPException(403, detail="You are not in this chat. Take it from the queue first.")


@router.post("/api/agent/chats/{conversation_id}/send")
async def send_to_person(
    conversation_id: str, message: AgentMessage, user: StaffUser = Depends(agent_only)
) -> dict[str, Any]:
    """What the agent writes reaches the widget as typed (a date or a phone number is
    what the person needs); the tracker store masks the copy it keeps (bot.privacy)."""
    conversation_id = _conversation(conversation_id)
    text = message.text.strip()
    if not text:
        raise HTTPException(400, detail="Type a message first.")
    if len(text) > MAX_AGENT_MESSAGE_CHARS:
        raise HTTPException(
            400, detail=f"Keep the message under {MAX_AGENT_MESSAGE_CHARS} characters."
        )
    await _check_holder(conversation_id, user, required=True)
    event = {"event": "bot", "text": text, "metadata": {AGENT_KEY: user.display_name}}
    await _tell(conversation_id, [event])
    # `stored`: the copy the transcript will hold, so the agent's page can keep showing
    # what they typed in its place until a reload.
    return {"conversationId": conversation_id, "text": text, "stored": mask_event(event)["text"]}


async def _end(conversation_id: str, user: StaffUser, closed: bool) -> dict[str, Any]:
    conversation_id = _conversation(conversation_id)
    await _check_holder(conversation_id, user, required=False)
    await _tell(
        conversation_id,
        [{"event": "resume"}, _announce("agent_left", agent=user.display_name, closed=closed)],
    )
    queue = _queue()
    await _in_queue(queue.release, conversation_id, user.username)
    if closed:
        await _in_queue(queue.leave, conversation_id)
    return {"conversationId": conversation_id, "state": "closed" if closed else "assistant"}


@router.post("/api/agent/chats/{conversation_id}/release")
async def hand_back(conversation_id: str, user: StaffUser = Depends(agent_only)) -> dict[str, Any]:
    """The assistant answers the person's next message again."""
    return await _end(conversation_id, user, closed=False)


@router.post("/api/agent/chats/{conversation_id}/close")
async def close_chat(conversation_id: str, user: StaffUser = Depends(agent_only)) -> dict[str, Any]:
    """The agent is done: the person is told; should they write again, the assistant answers."""
    return await _end(conversation_id, user, closed=True)
