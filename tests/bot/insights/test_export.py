"""The quarterly A-11 CSV: fiscal quarters, one row per service and question, exact counts."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import pytest

from bot.catalog.seed import seed_catalog
from bot.db import session_scope
from bot.insights.export import (
    HEADER,
    fiscal_quarter,
    json_figures,
    quarter_bounds,
    quarterly_rows,
    to_csv,
)
from bot.insights.models import ConversationSummary, SurveyResponse
from bot.insights.summaries import ensure_tables, upsert_summaries

TRUST_TEXT = "I trust the federal government to fulfill our country's commitment to people like me."
RETIREMENT = "ssa_retirement_benefits"
PASSPORT = "state_passport_status"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 9, 30), (2025, 4)),
        (date(2025, 10, 1), (2026, 1)),
        (date(2025, 12, 31), (2026, 1)),
        (date(2026, 1, 1), (2026, 2)),
        (date(2026, 3, 31), (2026, 2)),
        (date(2026, 4, 1), (2026, 3)),
        (date(2026, 6, 30), (2026, 3)),
        (date(2026, 7, 1), (2026, 4)),
    ],
)
def test_federal_fiscal_quarters(day: date, expected: tuple[int, int]) -> None:
    assert fiscal_quarter(day) == expected


def test_quarter_bounds() -> None:
    assert quarter_bounds(2026, 1) == (datetime(2025, 10, 1), datetime(2026, 1, 1))
    assert quarter_bounds(2026, 4) == (datetime(2026, 7, 1), datetime(2026, 10, 1))
    with pytest.raises(ValueError):
        quarter_bounds(2026, 5)


def _survey(
    conversation_id: str, service: str, status: str, answers: dict[str, Any], at: datetime
) -> SurveyResponse:
    return SurveyResponse(
        conversation_id=conversation_id,
        channel="website",
        service=service,
        trigger="next_steps",
        status=status,
        answers=answers,
        created_at=at,
        is_demo=conversation_id.startswith("demo-"),
    )


def _summary(
    conversation_id: str,
    at: datetime,
    services: list[str],
    offered: bool,
    experiences: tuple[str, ...] = ("retirement",),
    lookups: tuple[str, ...] = (),
) -> ConversationSummary:
    return ConversationSummary(
        conversation_id=conversation_id,
        channel="website",
        started_at=at,
        ended_at=at,
        life_experiences=list(experiences),
        services=services,
        lookups=[{"lookup": x, "agency": "state", "outcome": "found"} for x in lookups],
        handoff=False,
        fallbacks=0,
        user_messages=3,
        survey_offered=offered,
        last_event_at=at,
        is_demo=conversation_id.startswith("demo-"),
    )


@pytest.fixture
def url(product_url: str) -> str:
    seed_catalog(product_url)
    ensure_tables(product_url)
    last_second_of_fy25 = datetime(2025, 9, 30, 23, 59, 59)
    first_moment_of_fy26 = datetime(2025, 10, 1)
    upsert_summaries(
        [
            _summary("g", last_second_of_fy25, [RETIREMENT], True),
            _summary("a", first_moment_of_fy26, [RETIREMENT], True),
            _summary("b", datetime(2025, 10, 15), [RETIREMENT, "cms_medicare_enrollment"], True),
            _summary("c", datetime(2025, 11, 2), [RETIREMENT], False),
            _summary("d", datetime(2025, 11, 3), [RETIREMENT], True),
            _summary("e", datetime(2025, 12, 1), [], True, ()),  # general: no experience, no lookup
            _summary("f", datetime(2025, 12, 2), [], False, ()),
            # Lookups count toward the looked-up service (data/lookups/passport.yml).
            _summary("p1", datetime(2025, 12, 5), [], True, (), ("passport",)),
            _summary("p2", datetime(2025, 12, 6), [], False, ("travel",), ("passport",)),
            _summary("demo-1", datetime(2025, 12, 3), [RETIREMENT], True),
        ],
        product_url,
    )
    with session_scope(product_url) as session:
        session.add_all(
            [
                _survey("g", RETIREMENT, "answered", {"trust": 5}, last_second_of_fy25),
                _survey(
                    "a",
                    RETIREMENT,
                    "answered",
                    {"trust": 4, "effectiveness": 5, "ease": 3, "efficiency": 4, "employee": 2},
                    first_moment_of_fy26,
                ),
                _survey(
                    "b",
                    RETIREMENT,
                    "answered",
                    {"trust": 2, "effectiveness": 4, "ease": 4, "efficiency": 5},
                    datetime(2025, 10, 15, 8),
                ),
                _survey("d", RETIREMENT, "skipped", {}, datetime(2025, 11, 3, 8)),
                _survey(
                    "e",
                    "general",
                    "answered",
                    {"trust": 5, "effectiveness": 5, "ease": 5, "efficiency": 5},
                    datetime(2025, 12, 1, 8),
                ),
                _survey("p1", PASSPORT, "answered", {"trust": 4}, datetime(2025, 12, 5, 1)),
                # A life experience as the service, with no conversation left to count.
                _survey("t", "travel", "skipped", {}, datetime(2025, 12, 20)),
                _survey("demo-1", RETIREMENT, "answered", {"trust": 1}, datetime(2025, 12, 3)),
            ]
        )
    return product_url


def _by(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["service_id"], r["question_id"]): r for r in rows}


def test_one_row_per_service_and_question_in_a_quarter(url: str) -> None:
    rows = quarterly_rows(2026, 1, include_demo=False, url=url)
    assert [(r["service_id"], r["question_id"]) for r in rows] == [
        ("general", "trust"),
        ("general", "effectiveness"),
        ("general", "ease"),
        ("general", "efficiency"),
        (RETIREMENT, "trust"),
        (RETIREMENT, "effectiveness"),
        (RETIREMENT, "ease"),
        (RETIREMENT, "efficiency"),
        (RETIREMENT, "employee"),  # not always asked, but answered this quarter
        (PASSPORT, "trust"),
        (PASSPORT, "effectiveness"),
        (PASSPORT, "ease"),
        (PASSPORT, "efficiency"),
        ("travel", "trust"),
        ("travel", "effectiveness"),
        ("travel", "ease"),
        ("travel", "efficiency"),
    ]
    assert {(r["fiscal_year"], r["quarter"], r["channel"]) for r in rows} == {(2026, 1, "chatbot")}


def test_counts_per_scale_point_and_percent_agree(url: str) -> None:
    rows = _by(quarterly_rows(2026, 1, include_demo=False, url=url))
    trust = rows[(RETIREMENT, "trust")]
    assert trust == {
        "fiscal_year": 2026,
        "quarter": 1,
        "service_id": RETIREMENT,
        "service_name": "Apply for retirement benefits",
        "channel": "chatbot",
        "question_id": "trust",
        "question_text": TRUST_TEXT,
        "volume_of_customers": 4,  # a, b, c, d showed the service (g is last quarter)
        "number_offered": 3,  # a, b, d
        "number_of_respondents": 2,  # a, b answered; d skipped
        "point_1": 0,
        "point_2": 1,
        "point_3": 0,
        "point_4": 1,
        "point_5": 0,
        "percent_agree": 50.0,
    }
    assert rows[(RETIREMENT, "effectiveness")]["percent_agree"] == 100.0
    assert rows[(RETIREMENT, "ease")]["percent_agree"] == 50.0
    employee = rows[(RETIREMENT, "employee")]
    assert (employee["point_2"], employee["percent_agree"]) == (1, 0.0)
    assert employee["question_text"] == "Employees I interacted with were helpful."


def test_general_and_life_experience_services(url: str) -> None:
    rows = _by(quarterly_rows(2026, 1, include_demo=False, url=url))
    general = rows[("general", "trust")]
    assert general["service_name"] == "CX Navigator (general)"
    assert (general["volume_of_customers"], general["number_offered"]) == (2, 1)
    assert (general["number_of_respondents"], general["point_5"]) == (1, 1)
    passport = rows[(PASSPORT, "trust")]
    assert passport["service_name"] == "Check your passport status"
    assert (passport["volume_of_customers"], passport["number_offered"]) == (2, 1)
    travel = rows[("travel", "efficiency")]
    assert travel["service_name"] == "Traveling"
    # Only p2 touched travel (the skipped survey "t" has no summary left), yet one was
    # offered: the volume is never below the number offered.
    assert (travel["volume_of_customers"], travel["number_offered"]) == (1, 1)
    assert (travel["number_of_respondents"], travel["percent_agree"]) == (0, 0.0)
    assert [travel[f"point_{p}"] for p in range(1, 6)] == [0, 0, 0, 0, 0]


def test_question_text_fills_the_service_name() -> None:
    from bot.insights.export import question_texts

    texts = question_texts()
    assert texts["satisfaction"] == "I am satisfied with the service I received from CX Navigator."
    assert texts["trust"] == TRUST_TEXT
    assert not any("{" in text for text in texts.values())


def test_quarter_boundary_and_demo_rows(url: str) -> None:
    fy25 = quarterly_rows(2025, 4, url=url)
    assert {r["service_id"] for r in fy25} == {RETIREMENT}
    trust = _by(fy25)[(RETIREMENT, "trust")]
    assert (trust["volume_of_customers"], trust["number_offered"], trust["point_5"]) == (1, 1, 1)

    with_demo = _by(quarterly_rows(2026, 1, url=url))[(RETIREMENT, "trust")]
    assert (with_demo["volume_of_customers"], with_demo["number_of_respondents"]) == (5, 3)
    assert (with_demo["point_1"], with_demo["percent_agree"]) == (1, 33.3)

    everything = quarterly_rows(url=url)
    assert {(r["fiscal_year"], r["quarter"]) for r in everything} == {(2025, 4), (2026, 1)}
    assert quarterly_rows(2026, url=url) == quarterly_rows(2026, 1, url=url)
    assert quarterly_rows(2026, 2, url=url) == []
    with pytest.raises(ValueError):
        quarterly_rows(quarter=1, url=url)


def test_csv_header_and_round_trip(url: str) -> None:
    rows = quarterly_rows(2026, 1, include_demo=False, url=url)
    text = to_csv(rows)
    assert text.splitlines()[0] == (
        "fiscal_year,quarter,service_id,service_name,channel,question_id,question_text,"
        "volume_of_customers,number_offered,number_of_respondents,"
        "point_1,point_2,point_3,point_4,point_5,percent_agree"
    )
    assert text.count("\r\n") == 18 and text.endswith("\r\n")  # RFC 4180 line ends
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(parsed) == len(rows) == 17
    assert list(parsed[0]) == HEADER
    trust = next(r for r in parsed if (r["service_id"], r["question_id"]) == (RETIREMENT, "trust"))
    assert trust["question_text"] == TRUST_TEXT  # the apostrophe and commas survive
    assert (trust["point_2"], trust["percent_agree"]) == ("1", "50.0")
    assert to_csv([]) == ",".join(HEADER) + "\r\n"


def test_json_figures_carry_the_survey_definition(url: str) -> None:
    body = json_figures(2026, 1, include_demo=False, url=url)
    assert body["omb_control_number"] == "3090-0321"
    assert body["channel"] == "chatbot"
    assert (body["fiscal_year"], body["quarter"]) == (2026, 1)
    assert body["columns"] == HEADER
    assert body["rows"] == quarterly_rows(2026, 1, include_demo=False, url=url)
    assert body["scale"]["5"] == "Strongly agree"
