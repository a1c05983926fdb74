"""The staff account table of the product database."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String

from bot.db import Base

# manager: insights; agent: the console; editor: studio drafts; publisher: review and
# publish; admin: staff accounts. "content" is the editor role's former name.
ROLES = ("manager", "editor", "publisher", "admin", "agent")
LEGACY_ROLES = {"content": "editor"}
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
    failed_logins = Column(Integer, nullable=False, default=0)  # since the last success or lock
    locked_until = Column(DateTime)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_login_at = Column(DateTime)
