"""Tables of CX measurement. Neither holds a personal identifier.

Survey answers are written by the action server when a person finishes or skips the
survey; conversation summaries are derived from tracker events (bot.insights.summaries)
and outlive the conversations themselves, so quarterly A-11 figures survive the
retention period of the raw conversations.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String, Text

from bot.db import Base

# Conversation ids of replayed demo conversations start with this; their rows are
# flagged is_demo and deleted together (python -m bot.insights.demo --delete).
DEMO_PREFIX = "demo-"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class SurveyResponse(Base):
    """One person's A-11 answers for one conversation (at most one row per conversation)."""

    __tablename__ = "survey_responses"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, unique=True, index=True)
    channel = Column(String(40), nullable=False)
    life_experience = Column(String(40))
    # The reporting service (a catalog service id, or the life experience's id when
    # no single service was at stake, or "general"): rows of the quarterly export.
    service = Column(String(80), nullable=False, default="general")
    agency = Column(String(40))
    had_lookup = Column(Boolean, nullable=False, default=False)
    had_handoff = Column(Boolean, nullable=False, default=False)
    # "next_steps", "lookup" or "close": what made the assistant offer the survey.
    trigger = Column(String(20), nullable=False)
    # "answered" or "skipped".
    status = Column(String(20), nullable=False)
    # {question id: 1..5}; only questions the person answered.
    answers = Column(JSON, nullable=False, default=dict)
    comment = Column(Text)  # masked (bot.privacy) before it is stored
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    is_demo = Column(Boolean, nullable=False, default=False, index=True)


class ConversationSummary(Base):
    """What analytics needs of one conversation, recomputed from its tracker events."""

    __tablename__ = "conversation_summaries"

    conversation_id = Column(String(128), primary_key=True)
    channel = Column(String(40), nullable=False)
    started_at = Column(DateTime, nullable=False, index=True)
    ended_at = Column(DateTime, nullable=False)
    # Every life experience the conversation touched, in order; the first is "the" one.
    life_experiences = Column(JSON, nullable=False, default=list)
    # Catalog service ids offered as next steps or shown in detail.
    services = Column(JSON, nullable=False, default=list)
    # [{"lookup": "passport", "agency": "state", "outcome": "found"|"no_match"|"outage"}]
    lookups = Column(JSON, nullable=False, default=list)
    handoff = Column(Boolean, nullable=False, default=False)
    fallbacks = Column(Integer, nullable=False, default=0)
    user_messages = Column(Integer, nullable=False, default=0)
    survey_offered = Column(Boolean, nullable=False, default=False)
    last_event_at = Column(DateTime, nullable=False)  # incremental refresh watermark
    is_demo = Column(Boolean, nullable=False, default=False, index=True)
