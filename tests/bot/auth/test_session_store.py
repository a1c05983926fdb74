"""Server-side staff sessions on SQLite and PostgreSQL: what logout, a reset and age end."""

from __future__ import annotations

import uuid
from datetime import timedelta

from bot.auth.accounts import create_account, disable, set_password
from bot.auth.models import utcnow
from bot.auth.session_store import (
    SESSION_MAX_AGE,
    close_session,
    open_session,
    session_account,
)

PASSWORD = "correct horse battery staple"


def an_account() -> int:
    return create_account(f"ana{uuid.uuid4().hex[:8]}", PASSWORD, ["agent"]).id


def test_logout_closes_only_its_own_session(database: str) -> None:
    account = an_account()
    phone, desk = open_session(account), open_session(account)
    assert session_account(phone) == session_account(desk) == account
    close_session(phone)
    assert session_account(phone) is None
    assert session_account(desk) == account
    assert session_account("a-token-nobody-was-given") is None


def test_a_session_ends_at_its_age(database: str) -> None:
    account = an_account()
    token = open_session(account)
    later = utcnow() + timedelta(seconds=SESSION_MAX_AGE - 60)
    assert session_account(token, now=later) == account
    assert session_account(token, now=later + timedelta(minutes=2)) is None


def test_a_password_reset_or_disabling_ends_every_session(database: str) -> None:
    ana = create_account(f"ana{uuid.uuid4().hex[:8]}", PASSWORD, ["agent"])
    bea = create_account(f"bea{uuid.uuid4().hex[:8]}", PASSWORD, ["agent"])
    ana_token, bea_token = open_session(ana.id), open_session(bea.id)
    set_password(ana.username, "a brand new passphrase")
    assert session_account(ana_token) is None
    assert session_account(bea_token) == bea.id, "other accounts keep theirs"
    disable(bea.username)
    assert session_account(bea_token) is None
