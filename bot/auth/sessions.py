"""Staff sessions: a signed cookie, CSRF tokens, and the `require_staff` route dependency.

The cookie (Starlette's SessionMiddleware, signed with CX_SESSION_SECRET) holds only
the session's token and CSRF token. The token must match an open row of
bot.auth.session_store and the account is read again on every request, so logout,
a password reset or disabling the account end the session at once, copied cookies too.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from jinja2 import Environment, pass_context
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.auth.accounts import StaffUser, get_active_account
from bot.auth.models import ROLES
from bot.auth.secret_file import read_or_create_secret
from bot.auth.session_store import SESSION_MAX_AGE, close_session, open_session, session_account
from bot.settings import Settings, get_settings

COOKIE_NAME = "cx_staff_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SIGN_IN_REQUIRED = "Sign in as staff to use this."
WRONG_ROLE = "Your account cannot use this page."
CSRF_REFUSED = (
    "This request was refused: it did not carry this session's CSRF token (form field "
    f"'{CSRF_FIELD}' or header '{CSRF_HEADER}'). Reload the page and try again."
)
# Session keys.
TOKEN_KEY, CSRF_KEY = "session", "csrf"


def session_secret(settings: Settings) -> str:
    """CX_SESSION_SECRET, else var/session_secret (generated once; `make run` uses the same)."""
    if settings.session_secret:
        return settings.session_secret
    value, _ = read_or_create_secret(settings.var_dir / "session_secret")
    return value


class StaffSessionMiddleware:
    """SessionMiddleware configured from the settings at the first request.

    Not at import: importing the app (tests, tools) must neither read settings
    too early nor write a secret into var/.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.sessions: SessionMiddleware | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.sessions is None:
            settings = get_settings()
            self.sessions = SessionMiddleware(
                self.app,
                secret_key=session_secret(settings),
                session_cookie=COOKIE_NAME,
                max_age=SESSION_MAX_AGE,
                same_site="lax",
                https_only=settings.cookie_secure,
            )
        await self.sessions(scope, receive, send)


# CSRF.


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created (also before sign-in, for the login form) if missing."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def tokens_match(expected: Any, given: Any) -> bool:
    if not isinstance(expected, str) or not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


async def submitted_csrf_token(request: Request) -> str | None:
    """The token a request carries: the header, else the form field of a form body."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        value = (await request.form()).get(CSRF_FIELD)  # cached: routes still read it
        return value if isinstance(value, str) else None
    return None


async def verify_csrf(request: Request) -> None:
    """Refuse (403) a state-changing request without this session's token; a dependency."""
    if request.method not in UNSAFE_METHODS:
        return
    if not tokens_match(request.session.get(CSRF_KEY), await submitted_csrf_token(request)):
        raise HTTPException(403, detail=CSRF_REFUSED)


def install_template_globals(env: Environment) -> None:
    """`{{ csrf_field() }}` (the hidden input) and `{{ csrf_token() }}` in every template.

    Both read `request` from the template context, which every TemplateResponse has.
    """

    @pass_context
    def field(context: Any) -> Markup:
        value = escape(csrf_token(context["request"]))
        return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{value}">')

    @pass_context
    def token(context: Any) -> str:
        return csrf_token(context["request"])

    env.globals["csrf_field"] = field
    env.globals["csrf_token"] = token


# Signing in and out.


async def start_session(request: Request, user: StaffUser) -> None:
    """Replace whatever the cookie held (no fixation; an earlier session of this browser
    ends): a new server-side session and a new CSRF token."""
    await end_session(request)
    token = await run_in_threadpool(open_session, user.id)
    request.session.update({TOKEN_KEY: token, CSRF_KEY: secrets.token_urlsafe(32)})


async def end_session(request: Request) -> None:
    """Logout: the server forgets the session, so a copy of the cookie opens nothing."""
    token = request.session.get(TOKEN_KEY)
    if isinstance(token, str) and token:
        await run_in_threadpool(close_session, token)
    request.session.clear()


def _signed_in(token: str) -> StaffUser | None:
    account_id = session_account(token)
    return get_active_account(account_id) if account_id is not None else None


async def current_staff(request: Request) -> StaffUser | None:
    """The account of an open session, still active; None (and the cookie cleared) otherwise."""
    token = request.session.get(TOKEN_KEY)
    if not isinstance(token, str) or not token:
        return None
    user = await run_in_threadpool(_signed_in, token)
    if user is None:
        request.session.clear()
    return user


def login_url(request: Request) -> str:
    target = request.url.path
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return "/login?next=" + quote(target, safe="/")


def require_staff(*roles: str) -> Callable[[Request], Awaitable[StaffUser]]:
    """A dependency giving the signed-in account that holds at least one of `roles`.

    Not signed in: browsers (Accept: text/html) are sent to the login page, API
    calls get 401. Signed in without the role: 403. State-changing requests must
    also carry the session's CSRF token (403 otherwise). No roles: any staff.
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}: choose from {ROLES}")

    async def staff(request: Request) -> StaffUser:
        user = await current_staff(request)
        if user is None:
            if "text/html" in request.headers.get("accept", ""):
                raise HTTPException(
                    303, detail=SIGN_IN_REQUIRED, headers={"Location": login_url(request)}
                )
            raise HTTPException(401, detail=SIGN_IN_REQUIRED)
        await verify_csrf(request)
        if roles and not user.has_any_role(*roles):
            raise HTTPException(403, detail=WRONG_ROLE)
        return user

    return staff
