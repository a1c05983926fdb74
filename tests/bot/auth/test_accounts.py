"""Staff accounts against a real SQLite product database: hashing, lockout, CLI, demo accounts."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from bot.auth import accounts
from bot.auth.accounts import (
    LOCK_AFTER_FAILURES,
    WRONG_CREDENTIALS,
    AccountError,
    LoginFailed,
    authenticate,
    create_account,
    demo_password_file,
    disable,
    ensure_demo_accounts,
    set_password,
)
from bot.auth.models import StaffAccount
from bot.auth.passwords import WeakPasswordError, dummy_hash
from bot.db import session_scope
from bot.settings import REPO_ROOT, Settings, get_settings

PASSWORD = "correct horse battery staple"
HERE = "192.0.2.10"  # the client address sign-in failures are counted against
T0 = datetime(2026, 3, 2, 9, 0, 0)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    for name in ("DATABASE_URL", "CX_STAFF_DEMO_PASSWORD", "CX_DEMO_ACCOUNTS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    return get_settings()


def _row(username: str) -> StaffAccount:
    with session_scope() as session:
        account = session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        assert account is not None
        return account


def _refusal(username: str, password: str, now: datetime | None = None) -> str:
    with pytest.raises(LoginFailed) as failure:
        authenticate(username, password, address=HERE, now=now)
    return failure.value.message


def test_the_stored_hash_is_argon2id_and_not_the_password(settings: Settings) -> None:
    user = create_account("Ana.Lopez", PASSWORD, ["editor", "manager"], "Ana López")
    assert (user.username, user.display_name, user.roles) == (
        "ana.lopez",
        "Ana López",
        ("manager", "editor"),
    )
    row = _row("ana.lopez")
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    assert (row.active, row.last_login_at) == (True, None)
    assert authenticate("ana.lopez", PASSWORD, address=HERE) == user
    assert _row("ana.lopez").last_login_at is not None


def test_account_rules_are_enforced_with_clear_messages(settings: Settings) -> None:
    with pytest.raises(WeakPasswordError, match="at least 12 characters"):
        create_account("ana", "short pass", ["manager"])
    with pytest.raises(AccountError, match="3 to 64 characters"):
        create_account("a b", PASSWORD, ["manager"])
    with pytest.raises(AccountError, match="Unknown role 'root'"):
        create_account("ana", PASSWORD, ["root"])
    with pytest.raises(AccountError, match="at least one role"):
        create_account("ana", PASSWORD, [])
    create_account("ana", PASSWORD, ["agent"])
    with pytest.raises(AccountError, match="exists already"):
        create_account("ANA", PASSWORD, ["agent"])


def test_a_right_password_gives_its_try_back(settings: Settings) -> None:
    create_account("ana", PASSWORD, ["agent"])
    for attempt in range(LOCK_AFTER_FAILURES - 1):
        assert _refusal("ana", f"wrong password {attempt}") == WRONG_CREDENTIALS
    for _ in range(3):
        assert authenticate("ana", PASSWORD, address=HERE).username == "ana"
    assert _refusal("ana", "one wrong password more") == WRONG_CREDENTIALS
    assert _refusal("ana", PASSWORD) == WRONG_CREDENTIALS, "the fifth failure locks"


def test_unknown_disabled_locked_and_wrong_get_one_message_and_one_hash_check(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_account("ana", PASSWORD, ["agent"])
    create_account("bea", PASSWORD, ["agent"])
    disable("bea")
    checked: list[str] = []
    verify = accounts.verify_password

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return verify(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counting)
    refusals = {
        "wrong password": _refusal("ana", "not the password at all"),
        "unknown user": _refusal("nobody", PASSWORD),
        "impossible username": _refusal("../../etc", PASSWORD),
        "disabled account": _refusal("bea", PASSWORD),
    }
    for attempt in range(LOCK_AFTER_FAILURES - 1):
        _refusal("ana", f"wrong password {attempt}")
    checked.clear()
    refusals["locked, right password"] = _refusal("ana", PASSWORD)
    assert checked == [dummy_hash()], "a locked username costs one argon2 check too"
    assert set(refusals.values()) == {WRONG_CREDENTIALS}, refusals
    assert "15 minutes" in WRONG_CREDENTIALS, "the one message explains the lock"

    checked.clear()
    _refusal("someone-unknown", PASSWORD)
    assert checked == [dummy_hash()], "an unknown user costs one argon2 check, like a real one"


def test_five_failures_lock_the_username_at_this_address_for_fifteen_minutes(
    settings: Settings,
) -> None:
    create_account("ana", PASSWORD, ["agent"])
    for attempt in range(LOCK_AFTER_FAILURES):
        assert _refusal("ana", f"wrong password {attempt}", now=T0) == WRONG_CREDENTIALS
    later = T0 + timedelta(minutes=14)
    assert _refusal("ana", PASSWORD, now=later) == WRONG_CREDENTIALS, "the right one waits"
    assert authenticate("ana", PASSWORD, address="192.0.2.99", now=later).username == "ana"

    user = authenticate("ana", PASSWORD, address=HERE, now=T0 + timedelta(minutes=15, seconds=1))
    assert user.username == "ana", "the lock ends 15 minutes after the last failure"


def test_set_password_replaces_the_password_and_lifts_a_lock(settings: Settings) -> None:
    create_account("ana", PASSWORD, ["agent"])
    for attempt in range(LOCK_AFTER_FAILURES):
        _refusal("ana", f"wrong password {attempt}")
    assert "locked from 1 address" in _cli("list").stdout
    set_password("ana", "a brand new passphrase")
    assert "active" in _cli("list").stdout
    assert _refusal("ana", PASSWORD) == WRONG_CREDENTIALS
    assert authenticate("ana", "a brand new passphrase", address=HERE).username == "ana"
    with pytest.raises(AccountError, match="No account named 'bob'"):
        set_password("bob", "a brand new passphrase")


def test_a_hash_made_with_old_parameters_is_upgraded_at_sign_in(settings: Settings) -> None:
    create_account("ana", PASSWORD, ["agent"])
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with session_scope() as session:
        session.scalar(
            select(StaffAccount).where(StaffAccount.username == "ana")
        ).password_hash = weak
    authenticate("ana", PASSWORD, address=HERE)
    upgraded = _row("ana").password_hash
    assert upgraded != weak and not PasswordHasher().check_needs_rehash(upgraded)
    assert authenticate("ana", PASSWORD, address=HERE).username == "ana"


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.auth.accounts", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=dict(os.environ),  # CX_VAR_DIR of the fixture
        timeout=60,
    )


def test_the_cli_creates_lists_and_disables_accounts(settings: Settings) -> None:
    created = _cli(
        "create",
        "--username",
        "Ana",
        "--role",
        "manager",
        "--role",
        "editor",
        "--display-name",
        "Ana López",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    assert "created ana (manager, editor)" in created.stdout
    assert PASSWORD not in created.stdout + created.stderr
    user = authenticate("ana", PASSWORD, address=HERE)
    assert (user.display_name, user.roles) == ("Ana López", ("manager", "editor"))

    listed = _cli("list")
    assert listed.returncode == 0 and "ana" in listed.stdout and "active" in listed.stdout

    short = _cli("create", "--username", "bob", "--role", "agent", "--password-stdin", stdin="x\n")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr

    assert _cli("disable", "--username", "ana").returncode == 0
    assert _refusal("ana", PASSWORD) == WRONG_CREDENTIALS
    assert "disabled" in _cli("list").stdout


def test_demo_accounts_are_created_once_with_a_generated_password(settings: Settings) -> None:
    password = ensure_demo_accounts(settings)
    path = demo_password_file(settings)
    assert password and len(password) >= 12
    assert path.read_text().strip() == password
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    manager = authenticate("manager", password, address=HERE)
    assert (manager.display_name, manager.roles) == ("Demo Manager", ("manager", "editor"))
    agent = authenticate("agent", password, address=HERE)
    assert (agent.display_name, agent.roles) == ("Demo Agent", ("agent",))

    set_password("manager", "changed by the demo user")
    assert ensure_demo_accounts(settings) == password, "the same password, not a new one"
    assert authenticate("manager", "changed by the demo user", address=HERE).username == "manager"
    with session_scope() as session:
        assert len(session.scalars(select(StaffAccount)).all()) == 5
    assert authenticate("publisher", password, address=HERE).roles == ("editor", "publisher")


def test_demo_accounts_take_the_configured_password_or_none(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CX_DEMO_ACCOUNTS", "false")
    get_settings.cache_clear()
    assert ensure_demo_accounts(get_settings()) is None
    assert _refusal("manager", PASSWORD) == WRONG_CREDENTIALS

    monkeypatch.setenv("CX_DEMO_ACCOUNTS", "true")
    monkeypatch.setenv("CX_STAFF_DEMO_PASSWORD", PASSWORD)
    get_settings.cache_clear()
    assert ensure_demo_accounts(get_settings()) == PASSWORD
    assert not demo_password_file(get_settings()).exists()
    assert authenticate("agent", PASSWORD, address=HERE).roles == ("agent",)


def test_a_too_short_demo_password_names_the_variable(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CX_STAFF_DEMO_PASSWORD", "demo")
    get_settings.cache_clear()
    with pytest.raises(AccountError, match=r"demo account 'manager'.*at least 12"):
        ensure_demo_accounts(get_settings())


def test_the_former_content_role_reads_as_editor(settings: Settings) -> None:
    from sqlalchemy import update

    from bot.auth.models import StaffAccount
    from bot.db import session_scope

    create_account("writer", PASSWORD, ["editor", "manager"])
    with session_scope() as session:  # an account saved before the role was renamed
        session.execute(
            update(StaffAccount)
            .where(StaffAccount.username == "writer")
            .values(roles=["content", "manager"])
        )
    assert authenticate("writer", PASSWORD, address=HERE).roles == ("editor", "manager")
