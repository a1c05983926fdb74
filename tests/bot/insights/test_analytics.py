"""Insights figures, worked out by hand from tests/bot/insights/conversations.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from bot.db import session_scope
from bot.insights.analytics import Filters, figures, survey
from bot.insights.models import SurveyResponse
from bot.insights.summaries import ensure_tables, summarize, upsert_summaries
from tests.bot.insights.conversations import conversations


def _response(
    conversation_id: str,
    channel: str,
    life_experience: str | None,
    service: str,
    status: str,
    answers: dict[str, Any],
    created_at: datetime,
) -> SurveyResponse:
    return SurveyResponse(
        conversation_id=conversation_id,
        channel=channel,
        life_experience=life_experience,
        service=service,
        trigger="next_steps",
        status=status,
        answers=answers,
        created_at=created_at,
        is_demo=conversation_id.startswith("demo-"),
    )


def responses() -> list[SurveyResponse]:
    """Fresh rows each time: an ORM object belongs to one session."""
    return [
        _response(
            "c-retire",
            "website",
            "retirement",
            "ssa_retirement_benefits",
            "answered",
            {"trust": 5, "effectiveness": 4, "ease": 4, "efficiency": 2},
            datetime(2026, 1, 5, 14, 7),
        ),
        _response(
            "c-travel",
            "website",
            "travel",
            "state_passport_renew",
            "answered",
            # A text slot may hand over "4"; a value off the scale is ignored.
            {"trust": 3, "effectiveness": 5, "ease": "4", "efficiency": 1, "humanity": 9},
            datetime(2026, 1, 6, 9, 3),
        ),
        # Answered the trust question, then skipped the rest.
        _response(
            "c-loans",
            "rest",
            "student_loans",
            "ed_fsa_loan_summary",
            "skipped",
            {"trust": 1},
            datetime(2026, 1, 5, 15, 3),
        ),
        _response(
            "demo-c1",
            "website",
            "retirement",
            "ssa_retirement_benefits",
            "answered",
            {"trust": 4, "effectiveness": 4, "ease": 5, "efficiency": 5},
            datetime(2026, 1, 7, 11, 1),
        ),
        _response(
            "c-resumed",
            "rest",
            "military_transition",
            "general",
            "skipped",
            {},
            datetime(2026, 1, 7, 16, 4),
        ),
    ]


@pytest.fixture
def url(product_url: str) -> str:
    ensure_tables(product_url)
    summaries = [summarize(cid, events) for cid, events in conversations().items()]
    upsert_summaries([s for s in summaries if s is not None], product_url)
    with session_scope(product_url) as session:
        session.add_all(responses())
    return product_url


def test_every_figure_over_all_conversations(url: str) -> None:
    assert figures(Filters(), url) == {
        "total_conversations": 5,
        "per_day_channel": [
            {"day": "2026-01-05", "channel": "rest", "count": 1},
            {"day": "2026-01-05", "channel": "website", "count": 1},
            {"day": "2026-01-06", "channel": "website", "count": 1},
            {"day": "2026-01-07", "channel": "rest", "count": 1},
            {"day": "2026-01-07", "channel": "website", "count": 1},
        ],
        "top_life_experiences": [
            {"id": "retirement", "count": 2},
            {"id": "military_transition", "count": 1},
            {"id": "student_loans", "count": 1},
            {"id": "travel", "count": 1},
        ],
        "top_services": [
            {"id": "ssa_retirement_benefits", "count": 2},
            {"id": "cms_medicare_enrollment", "count": 1},
            {"id": "opm_federal_retirement", "count": 1},
            {"id": "ssa_ssdi", "count": 1},
            {"id": "state_passport_renew", "count": 1},
            {"id": "va_disability_compensation", "count": 1},
        ],
        "containment_rate": 80.0,
        "handoff_rate": 20.0,
        "fallback_message_rate": 15.0,  # 3 of 20 messages
        "fallback_conversation_rate": 40.0,  # 2 of 5 conversations
        "lookups": [
            {"agency": "ed_fsa", "outcome": "locked", "count": 1},
            {"agency": "ed_fsa", "outcome": "no_match", "count": 2},
            {"agency": "ssa", "outcome": "found", "count": 1},
            {"agency": "state", "outcome": "found", "count": 1},
            {"agency": "state", "outcome": "outage", "count": 1},
            {"agency": "va", "outcome": "found", "count": 1},
        ],
        "median_user_messages": 4.0,  # 2 3 [4] 5 6
        "median_minutes": 3.0,  # 1 2.5 [3] 4 6
    }


def test_without_demo_data(url: str) -> None:
    result = figures(Filters(include_demo=False), url)
    assert result["total_conversations"] == 4
    assert result["top_life_experiences"][0] == {"id": "military_transition", "count": 1}
    assert {"agency": "state", "outcome": "found", "count": 1} not in result["lookups"]
    assert result["median_user_messages"] == 4.5
    assert result["median_minutes"] == 3.5
    assert result["handoff_rate"] == 25.0


def test_filters_by_inclusive_dates_and_channel(url: str) -> None:
    result = figures(Filters(date(2026, 1, 6), date(2026, 1, 7), channel="website"), url)
    assert result["total_conversations"] == 2
    assert [r["day"] for r in result["per_day_channel"]] == ["2026-01-06", "2026-01-07"]
    assert figures(Filters(date_to=date(2026, 1, 5)), url)["total_conversations"] == 2


def test_life_experience_filter_uses_the_first_one(url: str) -> None:
    assert figures(Filters(life_experience="retirement"), url)["total_conversations"] == 2
    assert figures(Filters(life_experience="military_transition"), url)["total_conversations"] == 1
    assert figures(Filters(life_experience="disability"), url)["total_conversations"] == 0


def test_empty_data_gives_zeros(product_url: str) -> None:
    result = figures(Filters(), product_url)
    assert result["total_conversations"] == 0
    assert result["per_day_channel"] == result["top_services"] == result["lookups"] == []
    assert result["containment_rate"] == result["fallback_message_rate"] == 0.0
    assert result["median_user_messages"] == result["median_minutes"] == 0.0
    assert survey(Filters(), product_url) == {
        "offered": 0,
        "respondents": 0,
        "skipped": 0,
        "response_rate": 0.0,
        "questions": [],
    }


def test_survey_figures(url: str) -> None:
    assert survey(Filters(), url) == {
        "offered": 5,
        "respondents": 3,
        "skipped": 2,
        "response_rate": 60.0,
        "questions": [
            {
                "id": "trust",
                "driver": "trust",
                "distribution": {1: 1, 2: 0, 3: 1, 4: 1, 5: 1},
                "n": 4,
                "percent_agree": 50.0,
                "mean": 3.25,
            },
            {
                "id": "effectiveness",
                "driver": "effectiveness",
                "distribution": {1: 0, 2: 0, 3: 0, 4: 2, 5: 1},
                "n": 3,
                "percent_agree": 100.0,
                "mean": 4.33,
            },
            {
                "id": "ease",
                "driver": "ease",
                "distribution": {1: 0, 2: 0, 3: 0, 4: 2, 5: 1},
                "n": 3,
                "percent_agree": 100.0,
                "mean": 4.33,
            },
            {
                "id": "efficiency",
                "driver": "efficiency",
                "distribution": {1: 1, 2: 1, 3: 0, 4: 0, 5: 1},
                "n": 3,
                "percent_agree": 33.3,
                "mean": 2.67,
            },
        ],
    }


def test_survey_figures_filtered(url: str) -> None:
    real = survey(Filters(include_demo=False), url)
    assert (real["offered"], real["respondents"], real["skipped"]) == (4, 2, 2)
    assert real["response_rate"] == 50.0
    trust = real["questions"][0]
    assert (trust["n"], trust["percent_agree"], trust["mean"]) == (3, 33.3, 3.0)

    rest = survey(Filters(channel="rest"), url)
    assert (rest["offered"], rest["respondents"], rest["skipped"]) == (2, 0, 2)
    assert rest["response_rate"] == 0.0
    assert [q["id"] for q in rest["questions"]] == ["trust"]

    retirement = survey(Filters(date_to=date(2026, 1, 6), life_experience="retirement"), url)
    assert (retirement["offered"], retirement["respondents"]) == (1, 1)


def test_an_answer_proves_an_offer_not_yet_summarized(product_url: str) -> None:
    ensure_tables(product_url)
    with session_scope(product_url) as session:
        session.add(responses()[0])
    result = survey(Filters(), product_url)
    assert (result["offered"], result["respondents"], result["response_rate"]) == (1, 1, 100.0)
