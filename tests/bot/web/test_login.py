"""Staff sign-in over HTTP: sessions, CSRF, redirects and `require_staff`, on a real database."""

from __future__ import annotations

import base64
import json
import re
import stat
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from jinja2 import Environment
from sqlalchemy import update

from bot.auth.accounts import (
    LOCK_AFTER_FAILURES,
    TOO_MANY_FROM_ADDRESS,
    StaffUser,
    create_account,
    disable,
    set_password,
)
from bot.auth.models import StaffSession, utcnow
from bot.auth.sessions import (
    COOKIE_NAME,
    CSRF_REFUSED,
    StaffSessionMiddleware,
    install_template_globals,
    require_staff,
    session_secret,
)
from bot.db import session_scope
from bot.settings import get_settings
from bot.web.login import router as login_router

PASSWORD = "correct horse battery staple"
SECRET = "test-session-secret"
HTML = {"Accept": "text/html,application/xhtml+xml"}
JSON = {"Accept": "application/json"}


def staff_app() -> FastAPI:
    """The app's session and login wiring plus throwaway staff routes."""
    app = FastAPI()
    app.add_middleware(StaffSessionMiddleware)
    app.include_router(login_router)

    @app.get("/staff-only")
    def staff_only(user: StaffUser = Depends(require_staff("manager"))) -> dict:
        return {"username": user.username, "roles": list(user.roles)}

    @app.post("/staff-only")
    def staff_change(
        note: str = Form(""), user: StaffUser = Depends(require_staff("manager"))
    ) -> dict:
        return {"changed_by": user.username, "note": note}

    templates = Environment(autoescape=True)
    install_template_globals(templates)
    form = templates.from_string('<form method="post">{{ csrf_field() }}</form>')

    @app.get("/staff-page", response_class=HTMLResponse)
    def staff_page(request: Request, user: StaffUser = Depends(require_staff())) -> str:
        return form.render(request=request)

    @app.get("/agents-only")
    def agents_only(user: StaffUser = Depends(require_staff("agent"))) -> dict:
        return {"username": user.username}

    return app


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> TestClient:
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CX_SESSION_SECRET", SECRET)
    for name in ("DATABASE_URL", "CX_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    create_account("boss", PASSWORD, ["manager"], "Boss")
    return TestClient(staff_app())


def form_token(page: httpx.Response) -> str:
    match = re.search(r'<input type="hidden" name="csrf_token" value="([^"]+)">', page.text)
    assert match, "the form renders the CSRF field"
    return match.group(1)


def sign_in(
    client: TestClient, username: str = "boss", password: str = PASSWORD, next: str = "/staff-only"
) -> httpx.Response:
    token = form_token(client.get("/login", params={"next": next}))
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next},
        follow_redirects=False,
    )


def test_a_browser_without_a_session_is_sent_to_the_login_page(client: TestClient) -> None:
    response = client.get("/staff-only?tab=week", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/staff-only%3Ftab%3Dweek"
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert '<input type="hidden" name="next" value="/staff-only?tab=week">' in page.text
    assert 'autocomplete="username"' in page.text
    assert 'autocomplete="current-password"' in page.text
    assert page.headers["cache-control"] == "no-store"


def test_an_api_call_without_a_session_gets_401_json(client: TestClient) -> None:
    response = client.get("/staff-only", headers=JSON)
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in as staff to use this."}


def test_a_wrong_password_shows_the_error_and_starts_no_session(client: TestClient) -> None:
    secret = "not-the-password-1234"
    response = sign_in(client, password=secret)
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    assert "usa-alert--error" in response.text
    assert secret not in response.text, "the password is never echoed"
    assert 'value="boss"' in response.text, "the username is kept for the next try"
    assert client.get("/staff-only", headers=JSON).status_code == 401


def test_an_unknown_user_sees_the_same_error(client: TestClient) -> None:
    response = sign_in(client, username="nobody")
    assert response.status_code == 401
    assert "Wrong username or password." in response.text


def test_empty_fields_are_a_400_with_a_message(client: TestClient) -> None:
    response = sign_in(client, password="")
    assert response.status_code == 400
    assert "Enter your username and your password." in response.text


def test_the_lock_is_explained_on_the_form_without_saying_it_is_on(client: TestClient) -> None:
    wrong = sign_in(client, password="not-the-password-1234")
    assert "15 minutes" in wrong.text, "the rule is said with every refusal"
    for attempt in range(LOCK_AFTER_FAILURES):
        sign_in(client, password=f"wrong password {attempt}")
    locked = sign_in(client)
    assert locked.status_code == 401, "even the right password waits"
    assert locked.text.replace("boss", "") == wrong.text.replace("boss", "")


def test_too_many_failures_from_one_address_are_a_429(client: TestClient) -> None:
    for attempt in range(get_settings().sign_in_failures_per_address):
        sign_in(client, username=f"guess{attempt}", password="not-the-password-1234")
    response = client.post(
        "/api/session", json={"username": "boss", "password": PASSWORD}, headers=JSON
    )
    assert response.status_code == 429
    assert response.json() == {"detail": TOO_MANY_FROM_ADDRESS}


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_login_without_the_forms_csrf_token_is_refused(
    client: TestClient, token: str | None
) -> None:
    client.get("/login")
    data = {"username": "boss", "password": PASSWORD, "next": "/staff-only"}
    if token:
        data["csrf_token"] = token
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "expired" in response.text
    assert client.get("/staff-only", headers=JSON).status_code == 401


def test_signing_in_redirects_to_next_and_opens_staff_routes(client: TestClient) -> None:
    response = sign_in(client, next="/staff-only?tab=week")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff-only?tab=week"
    assert client.get("/staff-only", headers=JSON).json() == {
        "username": "boss",
        "roles": ["manager"],
    }
    assert client.get("/login", follow_redirects=False).status_code == 303, "already signed in"


def test_a_session_without_the_role_gets_403(client: TestClient) -> None:
    sign_in(client)
    response = client.get("/agents-only", headers=HTML)
    assert response.status_code == 403
    assert response.json() == {"detail": "Your account cannot use this page."}


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/insights",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_next_never_leaves_the_site(client: TestClient, target: str) -> None:
    response = sign_in(client, next=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/insights"


def test_signing_in_replaces_the_session(client: TestClient) -> None:
    page = client.get("/login")
    before_token, before_cookie = form_token(page), client.cookies[COOKIE_NAME]
    client.post(
        "/login",
        data={"username": "boss", "password": PASSWORD, "csrf_token": before_token},
        follow_redirects=False,
    )
    assert client.cookies[COOKIE_NAME] != before_cookie
    refused = client.post("/logout", data={"csrf_token": before_token}, follow_redirects=False)
    assert refused.status_code == 403, "the pre-login token is no longer this session's"


def test_state_changing_staff_requests_need_the_csrf_token(client: TestClient) -> None:
    sign_in(client)
    refused = client.post("/staff-only", headers=JSON)
    assert refused.status_code == 403
    assert refused.json() == {"detail": CSRF_REFUSED}
    assert "CSRF token" in CSRF_REFUSED
    wrong = client.post("/staff-only", headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403

    token = form_token(client.get("/staff-page"))
    by_header = client.post("/staff-only", headers={"X-CSRF-Token": token})
    assert by_header.json() == {"changed_by": "boss", "note": ""}
    by_form = client.post("/staff-only", data={"csrf_token": token, "note": "hello"})
    assert by_form.json() == {"changed_by": "boss", "note": "hello"}, "the route reads its form too"


def test_logout_needs_the_csrf_token_and_ends_the_session(client: TestClient) -> None:
    sign_in(client)
    refused = client.post("/logout", follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/staff-only", headers=JSON).status_code == 200, "still signed in"

    token = form_token(client.get("/staff-page"))
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert client.get("/staff-only", headers=JSON).status_code == 401


def test_disabling_an_account_ends_its_sessions(client: TestClient) -> None:
    sign_in(client)
    disable("boss")
    response = client.get("/staff-only", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def _cookie(payload: dict, secret: str = SECRET) -> str:
    data = base64.b64encode(json.dumps(payload).encode())
    return TimestampSigner(secret).sign(data).decode()


def _payload(cookie: str, secret: str = SECRET) -> dict:
    return json.loads(base64.b64decode(TimestampSigner(secret).unsign(cookie)))


def test_a_session_ends_eight_hours_after_sign_in_and_forged_cookies_fail(
    client: TestClient,
) -> None:
    sign_in(client)
    signed_in = _payload(client.cookies[COOKIE_NAME])
    old_format = {"staff_id": 1, "csrf": "t", "login_at": int(time.time()) - 60}
    for payload, secret, status in [
        (signed_in, SECRET, 200),
        (signed_in, "another-secret", 401),
        ({**signed_in, "session": "a-token-the-server-never-gave"}, SECRET, 401),
        (old_format, SECRET, 401),
    ]:
        client.cookies.clear()
        client.cookies.set(COOKIE_NAME, _cookie(payload, secret))
        assert client.get("/staff-only", headers=JSON).status_code == status

    with session_scope() as session:
        session.execute(
            update(StaffSession).values(created_at=utcnow() - timedelta(hours=8, minutes=1))
        )
    client.cookies.set(COOKIE_NAME, _cookie(signed_in))
    assert client.get("/staff-only", headers=JSON).status_code == 401


def test_a_copied_cookie_opens_nothing_after_logout(client: TestClient) -> None:
    sign_in(client)
    copied = client.cookies[COOKIE_NAME]
    token = form_token(client.get("/staff-page"))
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).is_redirect
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, copied)
    assert client.get("/staff-only", headers=JSON).status_code == 401


def test_a_password_reset_ends_the_accounts_sessions(client: TestClient) -> None:
    sign_in(client)
    set_password("boss", "a brand new passphrase")
    assert client.get("/staff-only", headers=JSON).status_code == 401


def test_the_session_cookie_is_httponly_lax_and_secure_when_asked(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = sign_in(client).headers["set-cookie"].lower()
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=28800" in cookie
    assert "secure" not in cookie

    monkeypatch.setenv("CX_COOKIE_SECURE", "true")
    get_settings.cache_clear()
    secure = TestClient(staff_app(), base_url="https://testserver")
    assert "; secure" in sign_in(secure).headers["set-cookie"].lower()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"--xyz\r\nContent-Disposition: form-data; name=\r\n\r\n", "multipart/form-data"),
        (b"--xyz\r\ngarbage", "multipart/form-data; boundary=xyz"),
        (b"username=boss&password=%ZZ%ff&csrf_token=", "application/x-www-form-urlencoded"),
        (b'{"username": "boss"}', "application/json"),
        (b"\xff\xfe\x00", "application/x-www-form-urlencoded"),
    ],
)
def test_a_malformed_login_body_is_a_client_error(
    client: TestClient, body: bytes, content_type: str
) -> None:
    client.get("/login")
    response = client.post(
        "/login", content=body, headers={"Content-Type": content_type}, follow_redirects=False
    )
    assert 400 <= response.status_code < 500
    assert client.get("/staff-only", headers=JSON).status_code == 401


def test_the_session_secret_is_generated_once_into_var(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("CX_SESSION_SECRET", raising=False)
    get_settings.cache_clear()
    first = session_secret(get_settings())
    path = tmp_path / "session_secret"
    assert path.read_text() == first and len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_secret(get_settings()) == first
    monkeypatch.setenv("CX_SESSION_SECRET", "from-the-environment")
    get_settings.cache_clear()
    assert session_secret(get_settings()) == "from-the-environment"


def test_the_web_app_serves_the_login_page(client: TestClient) -> None:
    from bot.web.app import app

    page = TestClient(app).get("/login?next=/insights")
    assert page.status_code == 200
    assert "Staff sign in" in page.text
    assert '<label class="usa-label" for="password">Password</label>' in page.text
    form_token(page)
