"""The contact-center agent console (`/agent`) and the JSON routes its page calls.

Every route needs a signed-in account with the `agent` or `supervisor` role (and, for
changes, the session's CSRF token). A call belongs to the agent who started it: only
they, or a supervisor taking over, may drive it or read it. The page never reaches the
Rasa server itself: these routes call the `agent_console` channel and Rasa's HTTP API
with the server-side token.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from bot.agent import calls
from bot.agent.assistant import Assistant, AssistantUnavailable, Refused
from bot.agent.console_state import console_state
from bot.agent.dispositions import active_dispositions
from bot.auth.accounts import StaffUser, display_name
from bot.auth.models import CONSOLE_ROLES, SUPERVISOR
from bot.auth.sessions import install_template_globals, require_staff
from bot.insights.summaries import lookup_content
from bot.web.chat import from_agent_console

CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
VERIFIED_SLOT = "verified_lookups"

router = APIRouter()
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
install_template_globals(templates.env)

console_staff = require_staff(*CONSOLE_ROLES)
NO_CALL = "No call with this id. Start a new call."


class Said(BaseModel):
    text: str = Field(..., description="What the caller said, or a button's payload")


class Verified(BaseModel):
    lookup: str


class WrapupForm(BaseModel):
    disposition: str = ""
    note: str = ""


def _conversation(conversation_id: str) -> str:
    if not CONVERSATION_ID.match(conversation_id):
        raise HTTPException(400, detail="Not a call id.")
    return conversation_id


async def _call_of(conversation_id: str, user: StaffUser) -> str:
    """The id of a console call `user` may drive: 404 if the console never started it,
    403 if another agent did (a supervisor may take over any call)."""
    conversation_id = _conversation(conversation_id)
    agent = await run_in_threadpool(calls.call_agent, conversation_id)
    if agent is None:
        raise HTTPException(404, detail=NO_CALL)
    await _check_driver(agent, user)
    return conversation_id


async def _check_driver(agent: str, user: StaffUser) -> None:
    if agent != user.username and not user.has_any_role(SUPERVISOR):
        other = await run_in_threadpool(display_name, agent)
        raise HTTPException(403, detail=f"This is {other}'s call: only they or a supervisor can.")


async def _events(conversation_id: str) -> list[dict[str, Any]]:
    try:
        return await run_in_threadpool(Assistant.from_settings().events, conversation_id)
    except AssistantUnavailable as error:
        raise HTTPException(503, detail=str(error)) from error


async def _state(conversation_id: str) -> dict[str, Any]:
    events = await _events(conversation_id)
    verified = await run_in_threadpool(calls.verified_lookups, conversation_id)
    wrapups = await run_in_threadpool(calls.wrapups, conversation_id)
    return await run_in_threadpool(console_state, conversation_id, events, verified, wrapups)


@router.get("/agent", response_class=HTMLResponse)
async def console_page(request: Request, user: StaffUser = Depends(console_staff)) -> Response:
    response = templates.TemplateResponse(
        "agent.html",
        {"request": request, "user": user, "dispositions": active_dispositions()},
    )
    response.headers["Cache-Control"] = "no-store"  # carries the CSRF token
    return response


@router.post("/api/agent/calls")
async def start_call(user: StaffUser = Depends(console_staff)) -> dict[str, Any]:
    """A new call of this agent: a fresh conversation id; the caller's first words open it."""
    conversation_id = f"call-{secrets.token_hex(12)}"
    await run_in_threadpool(calls.open_call, conversation_id, user.username)
    return await _state(conversation_id)


@router.get("/api/agent/calls/{conversation_id}")
async def call_state(
    conversation_id: str, user: StaffUser = Depends(console_staff)
) -> dict[str, Any]:
    """A console call (its agent's or a supervisor's), or the transcript of a web chat
    taken in the handoff queue; never a console conversation of unknown owner."""
    conversation_id = _conversation(conversation_id)
    agent = await run_in_threadpool(calls.call_agent, conversation_id)
    if agent is not None:
        await _check_driver(agent, user)
        return await _state(conversation_id)
    events = await _events(conversation_id)
    if from_agent_console(events) and not user.has_any_role(SUPERVISOR):
        raise HTTPException(404, detail=NO_CALL)
    return await _state(conversation_id)


@router.post("/api/agent/calls/{conversation_id}/say")
async def say(
    conversation_id: str, said: Said, user: StaffUser = Depends(console_staff)
) -> dict[str, Any]:
    """What the caller said goes through the agent channel; the new state comes back."""
    conversation_id = await _call_of(conversation_id, user)
    try:
        await run_in_threadpool(Assistant.from_settings().say, conversation_id, said.text)
    except Refused as refusal:
        raise HTTPException(refusal.status, detail=refusal.message) from refusal
    except AssistantUnavailable as error:
        raise HTTPException(503, detail=str(error)) from error
    return await _state(conversation_id)


@router.post("/api/agent/calls/{conversation_id}/verify")
async def verify(
    conversation_id: str, verified: Verified, user: StaffUser = Depends(console_staff)
) -> dict[str, Any]:
    """The agent completed an agency's checklist: recorded (who, when) and told to the
    action server through a slot only the Rasa HTTP API can set."""
    conversation_id = await _call_of(conversation_id, user)
    if verified.lookup not in lookup_content():
        raise HTTPException(400, detail=f"No status lookup called {verified.lookup!r}.")
    await run_in_threadpool(
        calls.record_verification, conversation_id, verified.lookup, user.username
    )
    lookups = await run_in_threadpool(calls.verified_lookups, conversation_id)
    try:
        await run_in_threadpool(
            Assistant.from_settings().set_slot, conversation_id, VERIFIED_SLOT, lookups
        )
    except AssistantUnavailable as error:
        raise HTTPException(503, detail=str(error)) from error
    return await _state(conversation_id)


@router.get("/api/agent/calls/{conversation_id}/note")
async def note_draft(
    conversation_id: str, user: StaffUser = Depends(console_staff)
) -> dict[str, str]:
    """The auto-drafted call note (masked), for the agent to edit before saving."""
    conversation_id = await _call_of(conversation_id, user)
    events = await _events(conversation_id)
    verified = await run_in_threadpool(calls.verified_lookups, conversation_id)
    note = await run_in_threadpool(calls.draft_note, conversation_id, events, verified)
    return {"note": note}


@router.post("/api/agent/calls/{conversation_id}/wrapup")
async def wrap_up(
    conversation_id: str, form: WrapupForm, user: StaffUser = Depends(console_staff)
) -> dict[str, Any]:
    conversation_id = await _call_of(conversation_id, user)
    try:
        await run_in_threadpool(
            calls.save_wrapup, conversation_id, user.username, form.disposition, form.note
        )
    except calls.WrapupRefused as refusal:
        raise HTTPException(400, detail=refusal.message) from refusal
    return await _state(conversation_id)
