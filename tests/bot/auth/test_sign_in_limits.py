"""Sign-in limits through the real web app on a real database (SQLite file, PostgreSQL):
parallel guesses stay within the limit, one address cannot lock the user out elsewhere,
and one address is limited across usernames."""

from __future__ import annotations

import random
import re
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.auth import accounts
from bot.auth.accounts import LOCK_AFTER_FAILURES, WRONG_CREDENTIALS, create_account
from bot.auth.models import StaffAccount
from bot.db import session_scope
from bot.settings import get_settings

PASSWORD = "correct horse battery staple"
ADDRESS_HEADER = "X-Test-Client-Address"


def from_address(app: Any) -> Callable[..., Any]:
    """The app as reached from the address a request names (TestClient has one address)."""

    async def reached(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            address = headers.get(ADDRESS_HEADER.lower().encode(), b"198.51.100.1").decode()
            scope = {**scope, "client": (address, 40000)}
        await app(scope, receive, send)

    return reached


@pytest.fixture
def sqlite_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CX_SESSION_SECRET", "test-session-secret")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    return get_settings().product_database_url


def unique(name: str) -> str:
    """Usernames and addresses per test: the PostgreSQL database lives for the session."""
    return f"{name}{uuid.uuid4().hex[:8]}"


def an_address() -> str:
    return f"203.0.113.{random.randint(1, 254)}-{uuid.uuid4().hex[:6]}"


def new_client() -> TestClient:
    from bot.web.app import app

    return TestClient(from_address(app))


def sign_in(client: TestClient, username: str, password: str, address: str) -> Any:
    page = client.get("/login", headers={ADDRESS_HEADER: address})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/agent"},
        headers={ADDRESS_HEADER: address},
        follow_redirects=False,
    )


def error_of(response: Any) -> str:
    match = re.search(r'usa-alert__text">\s*(.*?)\s*</p>', response.text, re.S)
    assert match, response.text[:400]
    return match.group(1)


def test_forty_parallel_sign_ins_check_at_most_five_wrong_passwords(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    username, address = unique("ana"), an_address()
    create_account(username, PASSWORD, ["agent"])
    with session_scope() as session:
        real_hash = session.scalar(
            select(StaffAccount.password_hash).where(StaffAccount.username == username)
        )
    checked: list[tuple[str, bool]] = []  # (password, matched) against the account's hash
    lock = threading.Lock()
    verify = accounts.verify_password

    def counting(password_hash: str, password: str) -> bool:
        matched = verify(password_hash, password)
        if password_hash == real_hash:
            with lock:
                checked.append((password, matched))
        return matched

    monkeypatch.setattr(accounts, "verify_password", counting)
    passwords = [f"wrong password {i}" for i in range(39)] + [PASSWORD]
    random.shuffle(passwords)
    start = threading.Barrier(len(passwords))

    def attempt(password: str) -> int:
        client = new_client()
        page = client.get("/login", headers={ADDRESS_HEADER: address})
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        start.wait()
        return client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token},
            headers={ADDRESS_HEADER: address},
            follow_redirects=False,
        ).status_code

    with ThreadPoolExecutor(len(passwords)) as pool:
        statuses = list(pool.map(attempt, passwords))

    wrong_checked = [p for p, matched in checked if not matched]
    assert len(wrong_checked) <= LOCK_AFTER_FAILURES, (
        f"{len(wrong_checked)} wrong passwords were checked in parallel"
    )
    right_checked = any(matched for _, matched in checked)
    assert statuses.count(303) == (1 if right_checked else 0)
    assert set(statuses) <= {303, 401, 429}
    if not right_checked:  # the limits are reached: the right password now waits too
        assert sign_in(new_client(), username, PASSWORD, address).status_code in (401, 429)


def test_a_guesser_cannot_lock_the_user_out_from_elsewhere(sqlite_only: str) -> None:
    username, attacker, user_address = unique("ana"), an_address(), an_address()
    create_account(username, PASSWORD, ["agent"])
    client = new_client()
    for attempt in range(LOCK_AFTER_FAILURES + 2):
        assert sign_in(client, username, f"guess {attempt}", attacker).status_code == 401
    refused = sign_in(client, username, PASSWORD, attacker)
    assert refused.status_code == 401, "the guesser's address waits, even with the password"
    assert error_of(refused) == WRONG_CREDENTIALS
    elsewhere = sign_in(new_client(), username, PASSWORD, user_address)
    assert elsewhere.status_code == 303, "the real user, from their own address, signs in"


def test_one_address_is_limited_across_usernames(
    sqlite_only: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CX_SIGN_IN_FAILURES_PER_ADDRESS", "3")
    get_settings.cache_clear()
    username, sprayer = unique("ana"), an_address()
    create_account(username, PASSWORD, ["agent"])
    client = new_client()
    for attempt in range(3):
        guessed = f"user{attempt}{uuid.uuid4().hex[:4]}"
        assert sign_in(client, guessed, "Summer2026!Summer", sprayer).status_code == 401
    limited = sign_in(client, username, PASSWORD, sprayer)
    assert limited.status_code == 429
    assert "Too many failed sign-ins from your network" in error_of(limited)
    assert sign_in(new_client(), username, PASSWORD, an_address()).status_code == 303
