"""Server-side staff sessions: the row a session cookie's token must match.

A signed cookie alone stays valid until it expires, whatever happens on the server,
so a copied cookie would outlive the logout. The cookie carries a random token; this
table holds its hash, and logout, a password reset or disabling the account end the
row. Blocking (database): call from a thread pool in async code.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.auth.models import TABLES, StaffSession, utcnow
from bot.db import ensure_tables, session_scope
from bot.settings import get_settings

SESSION_MAX_AGE = 8 * 60 * 60  # seconds: one working day, then sign in again
MAX_AGE = timedelta(seconds=SESSION_MAX_AGE)


def _url(url: str | None) -> str:
    url = url or get_settings().product_database_url
    ensure_tables(url, TABLES)
    return url


def _id(token: str) -> str:
    """Only the token's hash is stored: a read of the table opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(account_id: int, url: str | None = None) -> str:
    """A new session of the account; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with session_scope(_url(url)) as session:
        session.add(StaffSession(id=_id(token), account_id=account_id, created_at=now))
    with session_scope(_url(url)) as session:  # sessions past their age open nothing: forget them
        session.execute(delete(StaffSession).where(StaffSession.created_at <= now - MAX_AGE))
    return token


def session_account(token: str, url: str | None = None, now: datetime | None = None) -> int | None:
    """The account id of an open session younger than SESSION_MAX_AGE; None otherwise."""
    born_after = (now or utcnow()) - MAX_AGE
    with session_scope(_url(url)) as session:
        return session.scalar(
            select(StaffSession.account_id).where(
                StaffSession.id == _id(token),
                StaffSession.ended_at.is_(None),
                StaffSession.created_at > born_after,
            )
        )


def close_session(token: str, url: str | None = None) -> None:
    """Logout: the token opens nothing any more, wherever the cookie was copied to."""
    with session_scope(_url(url)) as session:
        session.execute(
            update(StaffSession)
            .where(StaffSession.id == _id(token), StaffSession.ended_at.is_(None))
            .values(ended_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def close_account_sessions(session: Session, account_id: int) -> None:
    """End every open session of the account, inside the caller's transaction."""
    session.execute(
        update(StaffSession)
        .where(StaffSession.account_id == account_id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
