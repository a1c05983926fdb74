"""The quarterly A-11 survey report: one row per (service, question, fiscal quarter).

HISPs submit these figures to performance.gov each quarter; the layout follows GSA
Touchpoints' cx_collections (service, fiscal year, quarter), cx_collection_details
(channel, volume of customers, number offered the survey, respondents) and cx_responses
(counts per scale point of each question), flattened into one plain CSV.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import inspect, select
from sqlalchemy.engine import Row

from bot import csv_export
from bot.catalog.models import LifeExperience, Service
from bot.db import engine_for, session_scope
from bot.insights.analytics import question_figures, score
from bot.insights.models import ConversationSummary, SurveyResponse
from bot.insights.summaries import ensure_tables, lookup_content
from bot.insights.survey import load_survey
from bot.settings import REPO_ROOT, get_settings

HEADER = [
    "fiscal_year",
    "quarter",
    "service_id",
    "service_name",
    "channel",
    "question_id",
    "question_text",
    "volume_of_customers",
    "number_offered",
    "number_of_respondents",
    "point_1",
    "point_2",
    "point_3",
    "point_4",
    "point_5",
    "percent_agree",
]
GENERAL = "general"
GENERAL_NAME = "CX Navigator (general)"
DOMAIN_DIR = REPO_ROOT / "bot" / "domain"
# How the report names [Service] and [Agency] of the A-11 statements (the slots' defaults).
PLACEHOLDERS = {"{survey_service}": "CX Navigator", "{survey_agency}": "the federal government"}
STREAM_ROWS = 1000
Quarter = tuple[int, int]


def fiscal_quarter(moment: date) -> Quarter:
    """(fiscal year, quarter): the federal fiscal year starts on October 1, so October to
    December is Q1 of the next year's number."""
    fiscal_year = moment.year + 1 if moment.month >= 10 else moment.year
    return fiscal_year, (moment.month - 10) % 12 // 3 + 1


def quarter_bounds(fiscal_year: int, quarter: int) -> tuple[datetime, datetime]:
    """[start, end) of a fiscal quarter, as naive UTC datetimes."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1 to 4, not {quarter}")
    first = 9 + 3 * (quarter - 1)  # months after January 1 of the year before

    def month(index: int) -> datetime:
        return datetime(fiscal_year - 1 + index // 12, index % 12 + 1, 1)

    return month(first), month(first + 3)


def _period(fiscal_year: int | None, quarter: int | None) -> tuple[datetime, datetime] | None:
    if fiscal_year is None:
        if quarter is not None:
            raise ValueError("a quarter needs its fiscal year")
        return None
    if quarter is not None:
        return quarter_bounds(fiscal_year, quarter)
    return quarter_bounds(fiscal_year, 1)[0], quarter_bounds(fiscal_year, 4)[1]


@cache
def question_texts(domain_dir: Path = DOMAIN_DIR) -> dict[str, str]:
    """{question id: statement} from the first variation of each utter_ask_survey_<id>
    domain response, [Service] and [Agency] filled in as the report names them."""
    texts = {}
    for path in sorted(domain_dir.rglob("*.yml")):
        responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses")
        for name, variations in (responses or {}).items():
            if name.startswith("utter_ask_survey_") and variations:
                text = variations[0].get("text", "")
                for placeholder, value in PLACEHOLDERS.items():
                    text = text.replace(placeholder, value)
                texts[name.removeprefix("utter_ask_survey_")] = text
    return texts


def service_names(url: str) -> dict[str, str]:
    """Titles of catalog services and life experiences by id (only "general" before a catalog)."""
    names = {GENERAL: GENERAL_NAME}
    tables = set(inspect(engine_for(url)).get_table_names())
    with session_scope(url) as session:
        for model in (LifeExperience, Service):
            if model.__tablename__ in tables:
                names.update(dict(session.execute(select(model.id, model.title)).all()))
    return names


@dataclass
class _Group:
    """What one service's survey rows in one quarter add up to."""

    surveys: int = 0  # answered or skipped: each was offered the survey
    respondents: int = 0
    answers: dict[str, Counter] = field(default_factory=dict)
    volume: int = 0
    offered: int = 0


def _attributed(service_id: str, summary: Row) -> bool:
    """Whether a conversation counts toward a reporting service, chosen as the action server
    chooses a survey's service: the looked-up service, a life experience it touched, or
    "general" when it had neither. A catalog service it showed counts too."""
    lookups = [item.get("lookup") for item in summary.lookups or []]
    experiences = summary.life_experiences or []
    if service_id == GENERAL:
        return not lookups and not experiences
    content = lookup_content()
    return (
        service_id in experiences
        or service_id in (summary.services or [])
        or any(content.get(lookup or "", {}).get("service") == service_id for lookup in lookups)
    )


def _collect(
    period: tuple[datetime, datetime] | None, include_demo: bool, url: str
) -> dict[tuple[int, int, str], _Group]:
    groups: dict[tuple[int, int, str], _Group] = {}
    r, s = SurveyResponse, ConversationSummary
    with session_scope(url) as session:
        where = [] if include_demo else [r.is_demo.is_(False)]
        if period:
            where += [r.created_at >= period[0], r.created_at < period[1]]
        rows = session.execute(
            select(r.service, r.status, r.answers, r.created_at)
            .where(*where)
            .execution_options(yield_per=STREAM_ROWS)
        )
        for service, status, answers, created_at in rows:
            group = groups.setdefault((*fiscal_quarter(created_at), service), _Group())
            group.surveys += 1
            group.respondents += status == "answered"
            for question_id, value in (answers or {}).items():
                if (point := score(value)) is not None:
                    group.answers.setdefault(question_id, Counter())[point] += 1

        by_quarter: dict[Quarter, list[str]] = {}
        for fiscal_year, quarter, service in groups:
            by_quarter.setdefault((fiscal_year, quarter), []).append(service)
        where = [] if include_demo else [s.is_demo.is_(False)]
        if period:
            where += [s.started_at >= period[0], s.started_at < period[1]]
        summaries = session.execute(
            select(s.started_at, s.services, s.life_experiences, s.lookups, s.survey_offered)
            .where(*where)
            .execution_options(yield_per=STREAM_ROWS)
        )
        for summary in summaries:
            key = fiscal_quarter(summary.started_at)
            for service in by_quarter.get(key, ()):
                if _attributed(service, summary):
                    group = groups[(*key, service)]
                    group.volume += 1
                    group.offered += bool(summary.survey_offered)
    return groups


def quarterly_rows(
    fiscal_year: int | None = None,
    quarter: int | None = None,
    include_demo: bool = True,
    url: str | None = None,
) -> list[dict[str, Any]]:
    """The report's rows (keys: HEADER), for one quarter, one fiscal year or everything.

    Each service gets a row for every question the chat always asks, and for any other
    question someone answered, so a quarter's rows do not come and go with the answers."""
    url = url or get_settings().product_database_url
    ensure_tables(url)
    definition = load_survey()
    always = {q.id for q in definition.asked()}
    texts = question_texts()
    names = service_names(url)
    rows = []
    for (year, q, service), group in sorted(
        _collect(_period(fiscal_year, quarter), include_demo, url).items()
    ):
        # A stored answer or refusal proves the offer, and an offer proves a conversation.
        offered = max(group.offered, group.surveys)
        for question in definition.questions:
            if question.id not in always and question.id not in group.answers:
                continue
            counts = question_figures(group.answers.get(question.id, Counter()))
            rows.append(
                {
                    "fiscal_year": year,
                    "quarter": q,
                    "service_id": service,
                    "service_name": names.get(service, service),
                    "channel": definition.channel,
                    "question_id": question.id,
                    "question_text": texts.get(question.id, ""),
                    "volume_of_customers": max(group.volume, offered),
                    "number_offered": offered,
                    "number_of_respondents": group.respondents,
                    **{f"point_{p}": n for p, n in counts["distribution"].items()},
                    "percent_agree": counts["percent_agree"],
                }
            )
    return rows


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """The quarterly rows as CSV (bot.csv_export: formula-safe cells)."""
    return csv_export.to_csv(rows, HEADER)


def json_figures(
    fiscal_year: int | None = None,
    quarter: int | None = None,
    include_demo: bool = True,
    url: str | None = None,
) -> dict[str, Any]:
    """The same rows as JSON, with what a reader needs to interpret them."""
    definition = load_survey()
    return {
        "omb_control_number": definition.omb_control_number,
        "channel": definition.channel,
        "fiscal_year": fiscal_year,
        "quarter": quarter,
        "scale": {str(point): label for point, label in definition.scale.items()},
        "columns": HEADER,
        "rows": quarterly_rows(fiscal_year, quarter, include_demo, url),
    }
