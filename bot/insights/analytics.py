"""Figures for the insights page, from conversation summaries and survey answers.

Counting and filtering happen in SQL; the JSON lists (services, lookups, answers) are
unpacked in Python while rows stream by. Rates are percentages (0 to 100, one decimal)
and are 0.0 when there is nothing to divide by.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.sql.elements import ColumnElement

from bot.db import session_scope
from bot.insights.models import ConversationSummary, SurveyResponse
from bot.insights.summaries import ensure_tables
from bot.insights.survey import load_survey
from bot.settings import get_settings

ANSWERED, SKIPPED = "answered", "skipped"
SCALE = (1, 2, 3, 4, 5)
AGREE = (4, 5)
STREAM_ROWS = 1000


@dataclass(frozen=True)
class Filters:
    """What the page filters by; every field optional. Dates are inclusive, in UTC."""

    date_from: date | None = None
    date_to: date | None = None
    channel: str | None = None
    life_experience: str | None = None
    include_demo: bool = True


def percent(part: float, whole: float) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _conditions(
    filters: Filters, moment: Any, channel: Any, life_experience: Any, is_demo: Any
) -> list[ColumnElement]:
    where: list[ColumnElement] = []
    if filters.date_from:
        where.append(moment >= _moment(filters.date_from))
    if filters.date_to:
        where.append(moment < _moment(filters.date_to + timedelta(days=1)))
    if filters.channel:
        where.append(channel == filters.channel)
    if filters.life_experience:
        where.append(life_experience == filters.life_experience)
    if not filters.include_demo:
        where.append(is_demo.is_(False))
    return where


# A conversation's life experience is the first it touched.
FIRST_LIFE_EXPERIENCE = ConversationSummary.life_experiences[0].as_string()


def summary_conditions(filters: Filters) -> list[ColumnElement]:
    s = ConversationSummary
    return _conditions(filters, s.started_at, s.channel, FIRST_LIFE_EXPERIENCE, s.is_demo)


def survey_conditions(filters: Filters) -> list[ColumnElement]:
    r = SurveyResponse
    return _conditions(filters, r.created_at, r.channel, r.life_experience, r.is_demo)


def _count_if(condition: ColumnElement) -> ColumnElement:
    """COUNT(*) FILTER (WHERE ...), written so every database accepts it."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _ranked(counts: Counter, key: str = "id") -> list[dict[str, Any]]:
    """Most frequent first; ties alphabetically, so the page does not reshuffle."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{key: name, "count": count} for name, count in ordered]


def figures(filters: Filters | None = None, url: str | None = None) -> dict[str, Any]:
    """Conversation figures: volume, what people came for, and how the assistant coped."""
    filters = filters or Filters()
    url = url or get_settings().product_database_url
    ensure_tables(url)
    s = ConversationSummary
    where = summary_conditions(filters)
    with session_scope(url) as session:
        total, handoffs, messages, fallbacks, with_fallback = session.execute(
            select(
                func.count(),
                _count_if(s.handoff.is_(True)),
                func.coalesce(func.sum(s.user_messages), 0),
                func.coalesce(func.sum(s.fallbacks), 0),
                _count_if(s.fallbacks > 0),
            ).where(*where)
        ).one()
        day = func.date(s.started_at)
        per_day = session.execute(
            select(day, s.channel, func.count())
            .where(*where)
            .group_by(day, s.channel)
            .order_by(day, s.channel)
        ).all()
        experiences = Counter(
            dict(
                session.execute(
                    select(FIRST_LIFE_EXPERIENCE, func.count())
                    .where(*where, FIRST_LIFE_EXPERIENCE.is_not(None))
                    .group_by(FIRST_LIFE_EXPERIENCE)
                ).all()
            )
        )
        services: Counter = Counter()
        lookups: Counter = Counter()
        lengths: list[int] = []
        minutes: list[float] = []
        rows = session.execute(
            select(s.services, s.lookups, s.user_messages, s.started_at, s.ended_at)
            .where(*where)
            .execution_options(yield_per=STREAM_ROWS)
        )
        for row_services, row_lookups, user_messages, started_at, ended_at in rows:
            services.update(set(row_services or []))
            lookups.update(
                (item.get("agency") or "unknown", item.get("outcome") or "unknown")
                for item in row_lookups or []
            )
            lengths.append(user_messages)
            minutes.append((ended_at - started_at).total_seconds() / 60)

    return {
        "total_conversations": total,
        "per_day_channel": [
            {"day": str(d), "channel": channel, "count": count} for d, channel, count in per_day
        ],
        "top_life_experiences": _ranked(experiences),
        "top_services": _ranked(services),
        "containment_rate": percent(total - handoffs, total),
        "handoff_rate": percent(handoffs, total),
        "fallback_message_rate": percent(fallbacks, messages),
        "fallback_conversation_rate": percent(with_fallback, total),
        "lookups": [
            {"agency": agency, "outcome": outcome, "count": count}
            for (agency, outcome), count in sorted(lookups.items())
        ],
        "median_user_messages": float(median(lengths)) if lengths else 0.0,
        "median_minutes": round(median(minutes), 1) if minutes else 0.0,
    }


def score(value: Any) -> int | None:
    """An answer on the 1..5 scale, or None (answers may arrive as "4" from a text slot)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number in SCALE else None


def question_figures(distribution: dict[int, int]) -> dict[str, Any]:
    """n, percent agree (4 or 5) and mean of one question's counts per scale point."""
    n = sum(distribution.values())
    total = sum(point * count for point, count in distribution.items())
    return {
        "distribution": {point: distribution.get(point, 0) for point in SCALE},
        "n": n,
        "percent_agree": percent(sum(distribution.get(p, 0) for p in AGREE), n),
        "mean": round(total / n, 2) if n else 0.0,
    }


def survey(filters: Filters | None = None, url: str | None = None) -> dict[str, Any]:
    """A-11 survey figures. Answers given before a person skipped the rest still count for
    their questions; respondents are the people who finished."""
    filters = filters or Filters()
    url = url or get_settings().product_database_url
    ensure_tables(url)
    r = SurveyResponse
    where = survey_conditions(filters)
    with session_scope(url) as session:
        offered_conversations = session.scalar(
            select(func.count())
            .select_from(ConversationSummary)
            .where(*summary_conditions(filters), ConversationSummary.survey_offered.is_(True))
        )
        statuses = dict(
            session.execute(select(r.status, func.count()).where(*where).group_by(r.status)).all()
        )
        counts: dict[str, Counter] = {}
        rows = session.execute(
            select(r.answers).where(*where).execution_options(yield_per=STREAM_ROWS)
        )
        for (answers,) in rows:
            for question_id, value in (answers or {}).items():
                point = score(value)
                if point is not None:
                    counts.setdefault(question_id, Counter())[point] += 1

    respondents, skipped = statuses.get(ANSWERED, 0), statuses.get(SKIPPED, 0)
    # A stored answer or refusal proves the offer even before its conversation is summarized.
    offered = max(offered_conversations, respondents + skipped)
    definition = load_survey()
    return {
        "offered": offered,
        "respondents": respondents,
        "skipped": skipped,
        "response_rate": percent(respondents, offered),
        "questions": [
            {"id": q.id, "driver": q.driver, **question_figures(counts[q.id])}
            for q in definition.questions
            if q.id in counts
        ],
    }
