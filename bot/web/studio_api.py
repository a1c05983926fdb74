"""The studio's JSON routes: saves, checks, review, training runs, try-it, inbox, accounts.

Editors change the draft; publishers review, publish and roll back; admins manage staff
accounts. Every change needs the session's CSRF token (require_staff) and is written to
the audit log in the same transaction. A save started from an older revision answers
409 with the other person's version instead of overwriting it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from bot.auth import accounts
from bot.auth.accounts import StaffUser
from bot.auth.sessions import require_staff
from bot.db import session_scope
from bot.settings import get_settings
from bot.studio import draft, publishing, review
from bot.studio.checks import SimilarityIndex, find_duplicate
from bot.studio.draft import Conflict, NotFound, StudioError
from bot.studio.inbox import decide
from bot.studio.models import StudioJob
from bot.studio.preview import DraftChat, PreviewUnavailable

router = APIRouter(prefix="/studio/api")
editor = require_staff("editor")
publisher = require_staff("publisher")
admin = require_staff("admin")
studio_staff = require_staff("editor", "publisher", "admin")
T = TypeVar("T")


def _url() -> str:
    return publishing.ensure_studio()


def _in_session(work: Callable[[Session], T]) -> T:
    with session_scope(_url()) as session:
        return work(session)


async def run(work: Callable[[Session], T]) -> T:
    """One transaction in a worker thread; studio errors become answers people can read."""
    try:
        return await run_in_threadpool(_in_session, work)
    except Conflict as conflict:
        raise _conflict(conflict) from conflict
    except NotFound as missing:
        raise HTTPException(404, detail=str(missing)) from missing
    except StudioError as error:
        raise HTTPException(400, detail=str(error)) from error


class _ConflictAnswer(HTTPException):
    pass


def _conflict(conflict: Conflict) -> HTTPException:
    error = _ConflictAnswer(409, detail=str(conflict))
    error.current = conflict.current  # type: ignore[attr-defined]
    return error


async def conflict_handler(_request: Any, error: _ConflictAnswer) -> JSONResponse:
    return JSONResponse(
        {"detail": error.detail, "current": error.current},  # type: ignore[attr-defined]
        status_code=409,
    )


# ---------------------------------------------------------------- intents and examples


class ExampleIn(BaseModel):
    text: str = Field(..., max_length=2000)
    entities: list[dict[str, Any]] = Field(default_factory=list)


class ExamplesIn(BaseModel):
    examples: list[ExampleIn]
    revision: int


class NewIntent(BaseModel):
    name: str = Field(..., max_length=120)
    domain_file: str


class Move(BaseModel):
    text: str
    target: str


class CheckExample(BaseModel):
    intent: str
    text: str = Field(..., max_length=2000)


def _saved(saved: draft.Saved) -> dict[str, Any]:
    return {"item": saved.item, "warnings": saved.warnings}


@router.get("/intents/{name}")
async def get_intent(name: str, user: StaffUser = Depends(studio_staff)) -> dict[str, Any]:
    return await run(lambda s: draft.intent_view(draft.get_intent(s, name)))


@router.put("/intents/{name}")
async def save_examples(
    name: str, body: ExamplesIn, user: StaffUser = Depends(editor)
) -> dict[str, Any]:
    examples = [e.dict() for e in body.examples]
    return await run(
        lambda s: _saved(draft.save_examples(s, name, examples, body.revision, user.username))
    )


@router.post("/intents")
async def create_intent(body: NewIntent, user: StaffUser = Depends(editor)) -> dict[str, Any]:
    return await run(lambda s: draft.create_intent(s, body.name, body.domain_file, user.username))


@router.delete("/intents/{name}")
async def delete_intent(
    name: str, revision: int, user: StaffUser = Depends(editor)
) -> dict[str, str]:
    await run(lambda s: draft.delete_intent(s, name, revision, user.username))
    return {"deleted": name}


@router.post("/intents/{name}/move")
async def move_example(name: str, body: Move, user: StaffUser = Depends(editor)) -> dict[str, Any]:
    source, target = await run(
        lambda s: draft.move_example(s, body.text, name, body.target, user.username)
    )
    return {"source": source, "target": target}


@router.post("/check-example")
async def check_example(body: CheckExample, user: StaffUser = Depends(editor)) -> dict[str, Any]:
    """While typing: does another intent already have it, or something very like it?"""

    def check(session: Session) -> dict[str, Any]:
        others = draft.all_examples(session, except_intent=body.intent)
        duplicate = find_duplicate(body.text, body.intent, others)
        similar = SimilarityIndex(others).similar(body.text, body.intent)
        return {
            "duplicate": duplicate and {"intent": duplicate.intent, "text": duplicate.text},
            "similar": [
                {"intent": ref.intent, "text": ref.text, "score": round(score, 2)}
                for ref, score in similar
            ],
        }

    return await run(check)


# ---------------------------------------------------------------- responses and catalog


class VariationIn(BaseModel):
    audience: str = "public"
    language: str = "en"
    text: str | None = Field(None, max_length=5000)
    extra: dict[str, Any] = Field(default_factory=dict)


class ResponseIn(BaseModel):
    variations: list[VariationIn]
    revision: int


class CatalogIn(BaseModel):
    data: dict[str, Any]
    revision: int | None = None


@router.get("/responses/{name}")
async def get_response(name: str, user: StaffUser = Depends(studio_staff)) -> dict[str, Any]:
    return await run(lambda s: draft.response_view(draft.get_response(s, name)))


@router.put("/responses/{name}")
async def save_response(
    name: str, body: ResponseIn, user: StaffUser = Depends(editor)
) -> dict[str, Any]:
    variations = [v.dict() for v in body.variations]
    return await run(
        lambda s: _saved(draft.save_response(s, name, variations, body.revision, user.username))
    )


@router.put("/catalog/{kind}/{key}")
async def save_catalog(
    kind: str, key: str, body: CatalogIn, user: StaffUser = Depends(editor)
) -> dict[str, Any]:
    return await run(
        lambda s: _saved(
            draft.save_catalog_entry(s, kind, key, body.data, body.revision, user.username)
        )
    )


@router.post("/catalog/{kind}")
async def create_catalog(
    kind: str, body: CatalogIn, user: StaffUser = Depends(editor)
) -> dict[str, Any]:
    return await run(
        lambda s: _saved(draft.create_catalog_entry(s, kind, body.data, user.username))
    )


# ---------------------------------------------------------------- review, publish, rollback


class Comment(BaseModel):
    comment: str = Field("", max_length=2000)


@router.get("/review")
async def review_state(user: StaffUser = Depends(studio_staff)) -> dict[str, Any]:
    return await run(lambda s: {**review.state(s), "changes": review.draft_changes(s)})


@router.post("/review/submit")
async def submit(body: Comment, user: StaffUser = Depends(editor)) -> dict[str, Any]:
    return await run(lambda s: review.submit(s, user, body.comment))


@router.post("/review/send-back")
async def send_back(body: Comment, user: StaffUser = Depends(publisher)) -> dict[str, Any]:
    return await run(lambda s: review.send_back(s, user, body.comment))


@router.post("/review/approve")
async def approve(body: Comment, user: StaffUser = Depends(publisher)) -> dict[str, Any]:
    """Approve and publish: the run goes on in the background; poll its job."""

    def approve_and_queue(session: Session) -> int:
        job_id = publishing.create_job(session, "publish", user.username)  # one run at a time
        review.approve(session, user, body.comment)
        return job_id

    job_id = await run(approve_and_queue)
    publishing.start(job_id, _url())
    return {"job": job_id}


@router.post("/releases/{release_id}/rollback")
async def rollback(release_id: int, user: StaffUser = Depends(publisher)) -> dict[str, Any]:
    def queue(session: Session) -> int:
        if release_id not in {r["id"] for r in publishing.releases(session)}:
            raise NotFound(f"There is no version {release_id}.")
        return publishing.create_job(session, "rollback", user.username, release_id)

    job_id = await run(queue)
    publishing.start(job_id, _url())
    return {"job": job_id}


@router.get("/jobs/{job_id}")
async def job(job_id: int, user: StaffUser = Depends(studio_staff)) -> dict[str, Any]:
    def view(session: Session) -> dict[str, Any]:
        row = session.get(StudioJob, job_id)
        if row is None:
            raise NotFound(f"There is no training run {job_id}.")
        return publishing.job_view(row)

    return await run(view)


# ---------------------------------------------------------------- try it


class TryIn(BaseModel):
    text: str = Field(..., min_length=1, max_length=2000)
    conversation: str = Field("", max_length=64)
    audience: str = Field("public", regex="^(public|agent_console)$")


@router.post("/preview")
async def train_draft(user: StaffUser = Depends(studio_staff)) -> dict[str, Any]:
    job_id = await run(lambda s: publishing.create_job(s, "preview", user.username))
    publishing.start(job_id, _url())
    return {"job": job_id}


@router.post("/try")
async def try_draft(body: TryIn, user: StaffUser = Depends(studio_staff)) -> dict[str, Any]:
    """One message to the draft model (trained by the latest preview run)."""
    conversation = body.conversation or f"studio-{user.username}-{secrets.token_hex(6)}"
    if not conversation.startswith("studio-"):
        raise HTTPException(400, detail="Try-it conversations start with 'studio-'.")
    try:
        chat = await DraftChat.for_latest_preview(_url())
        messages = await chat.say(conversation, body.text, body.audience)
    except PreviewUnavailable as error:
        raise HTTPException(409, detail=str(error)) from error
    return {"conversation": conversation, "model": chat.model_name, "messages": messages}


# ---------------------------------------------------------------- inbox


class Assign(BaseModel):
    keys: list[str]
    text: str = Field(..., max_length=2000)
    intent: str


class Dismiss(BaseModel):
    keys: list[str]


@router.post("/inbox/assign")
async def inbox_assign(body: Assign, user: StaffUser = Depends(editor)) -> dict[str, Any]:
    saved = await run(lambda s: draft.add_example(s, body.intent, body.text, user.username))
    url = _url()
    for key in body.keys:
        await run_in_threadpool(decide, url, key, "assigned", body.intent, user.username)
    return _saved(saved)


@router.post("/inbox/dismiss")
async def inbox_dismiss(body: Dismiss, user: StaffUser = Depends(editor)) -> dict[str, Any]:
    url = _url()
    for key in body.keys:
        await run_in_threadpool(decide, url, key, "dismissed", None, user.username)
    return {"dismissed": len(body.keys)}


# ---------------------------------------------------------------- accounts (admin)


class AccountIn(BaseModel):
    username: str
    display_name: str = ""
    password: str
    roles: list[str]


class RolesIn(BaseModel):
    roles: list[str]


def _account_call(work: Callable[[], T]) -> T:
    try:
        return work()
    except ValueError as error:  # AccountError and WeakPasswordError say why
        raise HTTPException(400, detail=str(error)) from error


@router.post("/accounts")
async def create_account(body: AccountIn, user: StaffUser = Depends(admin)) -> dict[str, Any]:
    url = get_settings().product_database_url
    created = await run_in_threadpool(
        _account_call,
        lambda: accounts.create_account(
            body.username, body.password, body.roles, body.display_name, url
        ),
    )
    await run(
        lambda s: draft.audit.record(
            s,
            user.username,
            "create_account",
            "account",
            created.username,
            None,
            {"roles": list(created.roles)},
        )
    )
    return {"username": created.username, "roles": list(created.roles)}


@router.put("/accounts/{username}/roles")
async def set_roles(
    username: str, body: RolesIn, user: StaffUser = Depends(admin)
) -> dict[str, Any]:
    before, after = await run_in_threadpool(
        _account_call, lambda: accounts.set_roles(username, body.roles)
    )
    await run(
        lambda s: draft.audit.record(
            s,
            user.username,
            "set_roles",
            "account",
            username,
            {"roles": before},
            {"roles": after},
        )
    )
    return {"username": username, "roles": after}


@router.post("/accounts/{username}/disable")
async def disable_account(username: str, user: StaffUser = Depends(admin)) -> dict[str, Any]:
    if username == user.username:
        raise HTTPException(400, detail="You cannot disable your own account.")
    await run_in_threadpool(_account_call, lambda: accounts.disable(username))
    await run(
        lambda s: draft.audit.record(s, user.username, "disable_account", "account", username)
    )
    return {"username": username, "active": False}
