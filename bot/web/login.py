"""Staff sign-in and sign-out pages (`/login`, `/logout`)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from bot.auth.accounts import LoginFailed, authenticate
from bot.auth.sessions import (
    CSRF_KEY,
    current_staff,
    end_session,
    install_template_globals,
    start_session,
    tokens_match,
    verify_csrf,
)

DEFAULT_NEXT = "/insights"
EXPIRED_FORM = "The sign-in form expired. Please sign in again."

router = APIRouter()
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
install_template_globals(templates.env)


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a path on this site only, never another host."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(char) < 32 for char in target)
    ):
        return DEFAULT_NEXT
    return target


def client_address(request: Request) -> str:
    """Whom sign-in failures are counted against: the peer, or the balancer's forwarded
    address when uvicorn trusts it (FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client else "unknown"


def _form(
    request: Request, status: int, next_url: str, username: str = "", error: str = ""
) -> Response:
    response = templates.TemplateResponse(
        "login.html",
        {"request": request, "next": next_url, "username": username, "error": error},
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store"  # the page carries a CSRF token
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = DEFAULT_NEXT) -> Response:
    if await current_staff(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _form(request, 200, safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form(DEFAULT_NEXT),
) -> Response:
    next_url = safe_next(next)
    username = username.strip()[:200]
    if not tokens_match(request.session.get(CSRF_KEY), csrf_token):
        return _form(request, 403, next_url, username, EXPIRED_FORM)
    if not username or not password:
        return _form(request, 400, next_url, username, "Enter your username and your password.")
    try:
        user = await run_in_threadpool(
            partial(authenticate, username, password, address=client_address(request))
        )
    except LoginFailed as failure:
        return _form(request, failure.status, next_url, username, failure.message)
    await start_session(request, user)
    return RedirectResponse(next_url, status_code=303)


@router.post("/api/session")
async def login_json(request: Request) -> Response:
    """Sign in again from inside a page whose session expired (the agent console), so
    nothing typed on the page is lost: JSON in, the new CSRF token out.

    Cross-site forms cannot send a JSON body, and the browser preflights cross-origin
    JSON (which this app does not allow), so no CSRF token is needed to get one.
    """
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return JSONResponse({"detail": 'Send JSON: {"username", "password"}.'}, 415)
    try:
        body = await request.json()
    except ValueError:
        body = None
    username = body.get("username") if isinstance(body, dict) else None
    password = body.get("password") if isinstance(body, dict) else None
    if not isinstance(username, str) or not isinstance(password, str) or not username.strip():
        return JSONResponse({"detail": "Enter your username and your password."}, 400)
    try:
        user = await run_in_threadpool(
            partial(authenticate, username.strip()[:200], password, address=client_address(request))
        )
    except LoginFailed as failure:
        return JSONResponse({"detail": failure.message}, failure.status)
    await start_session(request, user)
    return JSONResponse({"csrfToken": request.session[CSRF_KEY], "username": user.username})


@router.post("/logout")
async def logout(request: Request) -> Response:
    if await current_staff(request) is not None:
        await verify_csrf(request)
    await end_session(request)
    return RedirectResponse("/login", status_code=303)
