"""Tables of the agent console. None holds a caller's identifiers: notes are masked
(bot.privacy) before they are stored, and a verification records only who checked what."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Text, UniqueConstraint

from bot.auth.models import utcnow
from bot.db import Base


class ConsoleCall(Base):
    """A call started in the console, and the agent who started it: only they (or a
    supervisor) may drive it or read it back."""

    __tablename__ = "console_calls"

    conversation_id = Column(String(128), primary_key=True)
    agent = Column(String(64), nullable=False)  # staff username
    started_at = Column(DateTime, nullable=False, default=utcnow)


class CallVerification(Base):
    """An agent confirmed the caller against one agency's checklist (data/lookups)."""

    __tablename__ = "call_verifications"
    __table_args__ = (UniqueConstraint("conversation_id", "lookup"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    lookup = Column(String(40), nullable=False)
    agent = Column(String(64), nullable=False)  # staff username
    verified_at = Column(DateTime, nullable=False, default=utcnow)


class CallWrapup(Base):
    """How a call ended (a code of data/agent/dispositions.yml) and the agent's note.

    A call may be wrapped up more than once (a correction); the latest row counts and
    the earlier ones stay, so nothing an agent saved is ever lost.
    """

    __tablename__ = "call_wrapups"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    agent = Column(String(64), nullable=False)
    disposition = Column(String(40), nullable=False)
    note = Column(Text, nullable=False, default="")
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
