"""The content studio's pages (`/studio`): lists and editors, review, versions, try-it,
inbox, audit log and accounts. The pages render the draft from the database; edits go
through the JSON routes of bot/web/studio_api.py.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from bot.auth import accounts
from bot.auth.accounts import StaffUser
from bot.auth.models import ROLES
from bot.auth.sessions import install_template_globals, require_staff
from bot.db import session_scope
from bot.settings import get_settings
from bot.studio import audit, draft, publishing, review
from bot.studio.draft import NotFound, StudioError
from bot.studio.inbox import collect, group, pending
from bot.studio.models import StudioFile, StudioJob

router = APIRouter()
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
install_template_globals(templates.env)
# Keep each item's own key order (the catalog's fields as the seed writes them).
templates.env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}
templates.env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False)

studio_staff = require_staff("editor", "publisher", "admin")
admin = require_staff("admin")
NEW = "new"  # /studio/catalog/{kind}/new: the form for a new entry
CATALOG_KINDS = {
    "agencies": "Agencies",
    "services": "Services",
    "life_experiences": "Life experiences",
}


def _read(work: Any) -> Any:
    with session_scope(publishing.ensure_studio()) as session:
        return work(session)


async def read(work: Any) -> Any:
    try:
        return await run_in_threadpool(_read, work)
    except NotFound as missing:
        raise HTTPException(404, detail=str(missing)) from missing
    except StudioError as error:
        raise HTTPException(400, detail=str(error)) from error


def page(request: Request, user: StaffUser, name: str, section: str, **context: Any) -> Response:
    response = templates.TemplateResponse(
        name,
        {"request": request, "user": user, "section": section, **context},
    )
    response.headers["Cache-Control"] = "no-store"  # carries the CSRF token
    return response


def _common(session: Session) -> dict[str, Any]:
    job = session.scalar(select(StudioJob).order_by(StudioJob.id.desc()).limit(1))
    return {
        "workflow": review.state(session),
        "job": publishing.job_view(job) if job else None,
    }


def _findings(session: Session) -> list[Any]:
    return draft.findings(session, get_settings().studio_min_examples)


@router.get("/studio", response_class=HTMLResponse)
async def overview(request: Request, user: StaffUser = Depends(studio_staff)) -> Response:
    def load(session: Session) -> dict[str, Any]:
        return {
            **_common(session),
            "findings": _findings(session),
            "changes": review.draft_changes(session),
            "releases": publishing.releases(session)[:3],
        }

    return page(request, user, "studio/overview.html", "overview", **await read(load))


@router.get("/studio/intents", response_class=HTMLResponse)
async def intents(
    request: Request, q: str = "", user: StaffUser = Depends(studio_staff)
) -> Response:
    def load(session: Session) -> dict[str, Any]:
        domain_files = session.scalars(
            select(StudioFile.path).where(StudioFile.kind == "domain").order_by(StudioFile.path)
        ).all()
        return {
            **_common(session),
            "intents": draft.list_intents(session, q),
            "domain_files": domain_files,
        }

    data = await read(load)
    return page(
        request,
        user,
        "studio/intents.html",
        "intents",
        q=q,
        minimum=get_settings().studio_min_examples,
        **data,
    )


@router.get("/studio/intents/{name}", response_class=HTMLResponse)
async def intent(request: Request, name: str, user: StaffUser = Depends(studio_staff)) -> Response:
    def load(session: Session) -> dict[str, Any]:
        entities = sorted(draft.entity_names(session))
        return {
            **_common(session),
            "intent": draft.intent_view(draft.get_intent(session, name)),
            "entities": entities,
            "other_intents": [i["name"] for i in draft.list_intents(session) if i["name"] != name],
            "used_in": draft.intent_used_in_dialogue(session, name),
        }

    return page(request, user, "studio/intent.html", "intents", **await read(load))


@router.get("/studio/responses", response_class=HTMLResponse)
async def responses(
    request: Request, q: str = "", user: StaffUser = Depends(studio_staff)
) -> Response:
    data = await read(lambda s: {**_common(s), "responses": draft.list_responses(s, q)})
    return page(request, user, "studio/responses.html", "responses", q=q, **data)


@router.get("/studio/responses/{name}", response_class=HTMLResponse)
async def response(
    request: Request, name: str, user: StaffUser = Depends(studio_staff)
) -> Response:
    data = await read(
        lambda s: {**_common(s), "response": draft.response_view(draft.get_response(s, name))}
    )
    return page(request, user, "studio/response.html", "responses", **data)


@router.get("/studio/catalog", response_class=HTMLResponse)
async def catalog(
    request: Request, kind: str = "services", user: StaffUser = Depends(studio_staff)
) -> Response:
    if kind not in CATALOG_KINDS:
        raise HTTPException(404, detail="No such catalog section.")
    data = await read(lambda s: {**_common(s), "entries": draft.list_catalog(s, kind)})
    return page(
        request, user, "studio/catalog.html", "catalog", kind=kind, kinds=CATALOG_KINDS, **data
    )


@router.get("/studio/catalog/{kind}/{key}", response_class=HTMLResponse)
async def catalog_entry(
    request: Request, kind: str, key: str, user: StaffUser = Depends(studio_staff)
) -> Response:
    if kind not in CATALOG_KINDS:
        raise HTTPException(404, detail="No such catalog section.")

    def load(session: Session) -> dict[str, Any]:
        if key == NEW:  # an empty form; saving creates the entry
            entry = {"kind": kind, "key": "", "data": {"id": ""}, "revision": None}
        else:
            entry = draft.catalog_view(draft.get_catalog_entry(session, kind, key))
        return {**_common(session), "entry": entry}

    fields = list(draft.CATALOG_SCHEMAS[kind].__fields__)
    data = await read(load)
    return page(
        request,
        user,
        "studio/catalog_entry.html",
        "catalog",
        kinds=CATALOG_KINDS,
        fields=fields,
        **data,
    )


@router.get("/studio/review", response_class=HTMLResponse)
async def review_page(request: Request, user: StaffUser = Depends(studio_staff)) -> Response:
    def load(session: Session) -> dict[str, Any]:
        live = review.live_release(session)
        return {
            **_common(session),
            "changes": review.draft_changes(session),
            "live": live.id if live else None,
            "findings": _findings(session),
        }

    return page(request, user, "studio/review.html", "review", **await read(load))


@router.get("/studio/versions", response_class=HTMLResponse)
async def versions(request: Request, user: StaffUser = Depends(studio_staff)) -> Response:
    def load(session: Session) -> dict[str, Any]:
        jobs = session.scalars(select(StudioJob).order_by(StudioJob.id.desc()).limit(10)).all()
        return {
            **_common(session),
            "releases": publishing.releases(session),
            "jobs": [publishing.job_view(j) for j in jobs],
        }

    return page(request, user, "studio/versions.html", "versions", **await read(load))


@router.get("/studio/try", response_class=HTMLResponse)
async def try_page(request: Request, user: StaffUser = Depends(studio_staff)) -> Response:
    def load(session: Session) -> dict[str, Any]:
        preview = session.scalar(
            select(StudioJob)
            .where(StudioJob.purpose == "preview")
            .order_by(StudioJob.id.desc())
            .limit(1)
        )
        return {**_common(session), "preview": publishing.job_view(preview) if preview else None}

    return page(request, user, "studio/try.html", "try", **await read(load))


@router.get("/studio/inbox", response_class=HTMLResponse)
async def inbox(request: Request, user: StaffUser = Depends(studio_staff)) -> Response:
    settings = get_settings()

    def load(session: Session) -> dict[str, Any]:
        return {**_common(session), "intents": [i["name"] for i in draft.list_intents(session)]}

    data = await read(load)
    url = publishing.ensure_studio()
    messages = await run_in_threadpool(
        collect, settings, None, settings.studio_inbox_confidence, 2000
    )
    groups = group(await run_in_threadpool(pending, messages, url))
    return page(request, user, "studio/inbox.html", "inbox", groups=groups, **data)


def _audit_rows(actor: str, item: str, since: str, limit: int) -> list[dict[str, Any]]:
    start = None
    if since:
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            raise StudioError("Give the date as YYYY-MM-DD.") from None
    return _read(lambda s: audit.entries(s, actor or None, item or None, start, limit))


@router.get("/studio/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    actor: str = "",
    item: str = "",
    since: str = "",
    user: StaffUser = Depends(studio_staff),
) -> Response:
    try:
        rows = await run_in_threadpool(_audit_rows, actor, item, since, 200)
    except StudioError as error:
        raise HTTPException(400, detail=str(error)) from error
    data = await read(_common)
    filters = {"actor": actor, "item": item, "since": since}
    return page(request, user, "studio/audit.html", "audit", rows=rows, filters=filters, **data)


@router.get("/studio/audit.{fmt}")
async def audit_export(
    fmt: str,
    actor: str = "",
    item: str = "",
    since: str = "",
    user: StaffUser = Depends(studio_staff),
) -> Response:
    if fmt not in ("csv", "json"):
        raise HTTPException(404, detail="Export as .csv or .json.")
    try:
        rows = await run_in_threadpool(_audit_rows, actor, item, since, 100_000)
    except StudioError as error:
        raise HTTPException(400, detail=str(error)) from error
    disposition = {"Content-Disposition": f'attachment; filename="studio-audit.{fmt}"'}
    if fmt == "csv":
        return PlainTextResponse(audit.to_csv(rows), media_type="text/csv", headers=disposition)
    body = json.dumps(rows, ensure_ascii=False, indent=1)
    return Response(body, media_type="application/json", headers=disposition)


@router.get("/studio/accounts", response_class=HTMLResponse)
async def accounts_page(request: Request, user: StaffUser = Depends(admin)) -> Response:
    rows = await run_in_threadpool(accounts.list_accounts)
    data = await read(_common)
    listed = [
        {
            "username": a.username,
            "display_name": a.display_name,
            "roles": [accounts.LEGACY_ROLES.get(r, r) for r in a.roles],
            "active": a.active,
        }
        for a in rows
    ]
    return page(
        request, user, "studio/accounts.html", "accounts", accounts=listed, roles=ROLES, **data
    )
