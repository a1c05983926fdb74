"""The staff account table of the product database."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String

from bot.db import Base

# manager: insights; agent: the console; supervisor: the console, and any agent's call;
# editor: studio drafts; publisher: review and publish; admin: staff accounts.
# "content" is the editor role's former name.
ROLES = ("manager", "editor", "publisher", "admin", "agent", "supervisor")
LEGACY_ROLES = {"content": "editor"}
CONSOLE_ROLES = ("agent", "supervisor")  # who may use the agent console
SUPERVISOR = "supervisor"
USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{3,64}")


def utcnow() -> datetime:
    """Naive UTC, like every timestamp of the product database."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class StaffAccount(Base):
    """A person who may sign in to the staff pages; never deleted, only disabled."""

    __tablename__ = "staff_accounts"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)  # lowercase, USERNAME_PATTERN
    display_name = Column(String(200), nullable=False)
    password_hash = Column(String(255), nullable=False)  # argon2id, bot.auth.passwords
    roles = Column(JSON, nullable=False, default=list)  # subset of ROLES
    active = Column(Boolean, nullable=False, default=True)
    # Former per-account lockout (anyone could lock anyone): sign_in_limits counts
    # failures now. Kept because existing tables hold them (failed_logins NOT NULL).
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_login_at = Column(DateTime)


class SignInLimit(Base):
    """Failed sign-ins counted under one key: an address, or a (username, address) pair.

    The key is a hash (no address or typed username is stored); `account` names the
    account for pair keys of existing accounts, so a password reset can lift them.
    """

    __tablename__ = "sign_in_limits"

    key = Column(String(64), primary_key=True)  # sha256 hex, bot.auth.sign_in_limits
    account = Column(String(64), index=True)
    failures = Column(Integer, nullable=False, default=0)
    expires_at = Column(DateTime, nullable=False, index=True)  # the count's end


class StaffSession(Base):
    """One signed-in browser: the cookie carries the token, this row says it is open.

    Logout, a password reset or disabling the account ends it on the server, so a
    copied cookie stops working at once.
    """

    __tablename__ = "staff_sessions"

    id = Column(String(64), primary_key=True)  # sha256 hex of the cookie's token
    account_id = Column(Integer, ForeignKey("staff_accounts.id"), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    ended_at = Column(DateTime)


# Every table of staff auth, created together (StaffSession refers to StaffAccount).
TABLES = [StaffAccount.__table__, SignInLimit.__table__, StaffSession.__table__]
