"""Stores one conversation's survey answers, without personal identifiers."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from bot.db import ensure_tables, session_scope
from bot.insights.models import DEMO_PREFIX, SurveyResponse
from bot.privacy import mask_text
from bot.settings import get_settings

log = logging.getLogger(__name__)
MAX_COMMENT_CHARS = 1000


@dataclass(frozen=True)
class SurveyRecord:
    conversation_id: str
    channel: str
    trigger: str
    life_experience: str | None = None
    service: str = "general"
    agency: str | None = None
    had_lookup: bool = False
    had_handoff: bool = False
    answers: dict[str, int] = field(default_factory=dict)
    comment: str | None = None

    @property
    def status(self) -> str:
        return "answered" if self.answers or self.comment else "skipped"


def _tables(url: str) -> None:
    ensure_tables(url, [SurveyResponse.__table__])


def record_response(record: SurveyRecord, url: str | None = None) -> bool:
    """Saves the answers; False if this conversation already has a row (never twice)."""
    url = url or get_settings().product_database_url
    _tables(url)
    answers = {k: int(v) for k, v in record.answers.items() if 1 <= int(v) <= 5}
    comment = mask_text(record.comment.strip())[:MAX_COMMENT_CHARS] if record.comment else None
    try:
        with session_scope(url) as session:
            session.add(
                SurveyResponse(
                    conversation_id=record.conversation_id,
                    channel=record.channel,
                    life_experience=record.life_experience,
                    service=record.service,
                    agency=record.agency,
                    had_lookup=record.had_lookup,
                    had_handoff=record.had_handoff,
                    trigger=record.trigger,
                    status=record.status,
                    answers=answers,
                    comment=comment or None,
                    is_demo=record.conversation_id.startswith(DEMO_PREFIX),
                )
            )
    except IntegrityError:
        log.info("survey already recorded for this conversation; kept the first")
        return False
    return True
