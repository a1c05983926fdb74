"""The CX insights dashboard (`/insights`) and its JSON and CSV API, for managers and content
staff.

    GET /insights                        the page: filters, figures, charts, survey results
    GET /api/insights/figures            the same figures as JSON (same query parameters)
    GET /api/insights/quarterly.csv      A-11 quarterly rows for performance.gov (CSV)
    GET /api/insights/quarterly.json     the same rows as JSON

Figures come from conversation summaries, which are brought up to date from the tracker
store before they are shown (bot.insights.refresher). When
the tracker store cannot be read, the figures already stored are shown with a notice.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, inspect, select
from starlette.concurrency import run_in_threadpool

from bot.auth.accounts import StaffUser
from bot.auth.sessions import install_template_globals, require_staff
from bot.catalog.models import Agency, LifeExperience
from bot.db import engine_for, session_scope
from bot.insights import charts
from bot.insights.analytics import (
    FIRST_LIFE_EXPERIENCE,
    Filters,
    figures,
    summary_conditions,
    survey,
    survey_conditions,
)
from bot.insights.export import (
    fiscal_quarter,
    json_figures,
    quarterly_rows,
    question_texts,
    service_names,
    to_csv,
)
from bot.insights.models import ConversationSummary, SurveyResponse, utcnow
from bot.insights.refresher import Freshness, refresher
from bot.insights.summaries import ensure_tables
from bot.insights.survey import load_survey
from bot.settings import get_settings

log = logging.getLogger(__name__)

router = APIRouter()
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
install_template_globals(templates.env)  # the sign-out form's CSRF field

staff_only = require_staff("manager", "editor", "publisher")

# Channels the assistant has (input channel names); any other found in the data is added.
KNOWN_CHANNELS = ("website", "rest", "agent_console")
CHANNEL_LABELS = {
    "website": "Website chat",
    "rest": "REST API",
    "agent_console": "Agent console",
    "unknown": "Unknown channel",
}
OUTCOME_LABELS = {
    "found": "Found",
    "no_match": "No match",
    "outage": "Outage",
    "locked": "Locked",
    "withheld": "Withheld (caller not verified)",
}
INCLUDE, EXCLUDE = "include", "exclude"
TOP = 10  # life experiences and services shown
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)
FISCAL_YEARS_SHOWN = 6
NO_STORE = {"Cache-Control": "no-store"}  # staff-only figures and a CSRF token


# Filters and their validation.


class InvalidParameters(ValueError):
    """Query parameters that cannot be used; `errors` maps each parameter to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass
class FilterInput:
    """The filter fields as typed, kept to fill the form in again."""

    date_from: str = ""
    date_to: str = ""
    channel: str = ""
    life_experience: str = ""
    demo: str = INCLUDE

    def query(self) -> dict[str, str]:
        """The fields that narrow the figures, as query parameters (for links to the API)."""
        names = {"date_from": "from", "date_to": "to"}
        return {
            names.get(key, key): value
            for key, value in asdict(self).items()
            if value and (key, value) != ("demo", INCLUDE)
        }


@dataclass(frozen=True)
class Options:
    """What the filter and download controls offer: (id, label) pairs and fiscal years."""

    channels: list[tuple[str, str]]
    life_experiences: list[tuple[str, str]]
    fiscal_years: list[int]


def _shown(value: str, most: int = 40) -> str:
    """A rejected value as the message quotes it: repr, cut short."""
    return repr(value if len(value) <= most else value[:most] + "...")


def _day(name: str, value: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors[name] = f"'{name}' must be a date written like 2026-01-31, not {_shown(value)}."
        return None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        errors[name] = f"'{name}' must be a date between {EARLIEST_DATE} and {LATEST_DATE}."
        return None
    return day


def _demo(value: str, errors: dict[str, str]) -> bool:
    if value in ("", INCLUDE):
        return True
    if value == EXCLUDE:
        return False
    errors["demo"] = f"'demo' must be '{INCLUDE}' or '{EXCLUDE}', not {_shown(value)}."
    return True


def parse_filters(raw: FilterInput, options: Options) -> Filters:
    """Filters from the query parameters, or InvalidParameters saying what is wrong."""
    errors: dict[str, str] = {}
    date_from = _day("from", raw.date_from, errors)
    date_to = _day("to", raw.date_to, errors)
    if date_from and date_to and date_from > date_to:
        errors["to"] = f"'to' ({date_to}) must not be before 'from' ({date_from})."
    channels = [channel for channel, _ in options.channels]
    if raw.channel and raw.channel not in channels:
        errors["channel"] = (
            f"Unknown channel {_shown(raw.channel)}: choose one of {', '.join(channels)}, or none."
        )
    experiences = {experience for experience, _ in options.life_experiences}
    if raw.life_experience and raw.life_experience not in experiences:
        errors["life_experience"] = (
            f"Unknown life experience {_shown(raw.life_experience)}: "
            "choose one from the list, or none."
        )
    include_demo = _demo(raw.demo, errors)
    if errors:
        raise InvalidParameters(errors)
    return Filters(
        date_from, date_to, raw.channel or None, raw.life_experience or None, include_demo
    )


def filters_json(filters: Filters) -> dict[str, Any]:
    return {
        "from": filters.date_from.isoformat() if filters.date_from else None,
        "to": filters.date_to.isoformat() if filters.date_to else None,
        "channel": filters.channel,
        "life_experience": filters.life_experience,
        "include_demo": filters.include_demo,
    }


def parse_quarter(fiscal_year: str, quarter: str) -> tuple[int | None, int | None]:
    """(fiscal year, quarter) of the quarterly export; both optional, a quarter needs a year."""
    errors: dict[str, str] = {}
    year = number = None
    if fiscal_year:
        if fiscal_year.isdigit() and EARLIEST_DATE.year <= int(fiscal_year) <= LATEST_DATE.year:
            year = int(fiscal_year)
        else:
            errors["fiscal_year"] = (
                f"'fiscal_year' must be a year like 2026, not {_shown(fiscal_year)}."
            )
    if quarter:
        if quarter in ("1", "2", "3", "4"):
            number = int(quarter)
        else:
            errors["quarter"] = f"'quarter' must be 1, 2, 3 or 4, not {_shown(quarter)}."
    if quarter and not fiscal_year:
        errors["quarter"] = "'quarter' needs its 'fiscal_year' (for example fiscal_year=2026)."
    if errors:
        raise InvalidParameters(errors)
    return year, number


# Reading names and options from the product database.


def _has_table(url: str, name: str) -> bool:
    return inspect(engine_for(url)).has_table(name)


def agency_names(url: str) -> dict[str, str]:
    """{agency id: name} from the catalog (empty before it is seeded)."""
    if not _has_table(url, Agency.__tablename__):
        return {}
    with session_scope(url) as session:
        return dict(session.execute(select(Agency.id, Agency.name)).all())


def load_options(url: str) -> Options:
    """Channels and life experiences of the catalog and of the stored data; fiscal years
    from the current one back to the first with data."""
    ensure_tables(url)
    s, r = ConversationSummary, SurveyResponse
    experiences: dict[str, str] = {}
    if _has_table(url, LifeExperience.__tablename__):
        with session_scope(url) as session:
            experiences.update(
                session.execute(
                    select(LifeExperience.id, LifeExperience.title).order_by(
                        LifeExperience.position, LifeExperience.title
                    )
                ).all()
            )
    with session_scope(url) as session:
        channels = set(session.scalars(select(s.channel).distinct()))
        channels |= set(session.scalars(select(r.channel).distinct()))
        found = set(session.scalars(select(FIRST_LIFE_EXPERIENCE).distinct()))
        found |= set(session.scalars(select(r.life_experience).distinct()))
        first = session.scalar(select(func.min(r.created_at)))
    for experience in sorted(found - set(experiences) - {None}):
        experiences[experience] = experience
    current = fiscal_quarter(utcnow().date())[0]
    oldest = fiscal_quarter(first.date())[0] if first else current
    last = min(current, max(oldest, current - FISCAL_YEARS_SHOWN + 1))
    years = list(range(current, last - 1, -1))
    ordered = [*KNOWN_CHANNELS, *sorted(channels - set(KNOWN_CHANNELS))]
    return Options(
        [(channel, CHANNEL_LABELS.get(channel, channel)) for channel in ordered],
        list(experiences.items()),
        years,
    )


def demo_rows(filters: Filters, url: str) -> int:
    """How many demo conversations and survey answers the filtered figures include."""
    if not filters.include_demo:
        return 0
    s, r = ConversationSummary, SurveyResponse
    with session_scope(url) as session:
        summaries = session.scalar(
            select(func.count()).where(*summary_conditions(filters), s.is_demo.is_(True))
        )
        responses = session.scalar(
            select(func.count()).where(*survey_conditions(filters), r.is_demo.is_(True))
        )
    return (summaries or 0) + (responses or 0)


# The page's content.


@dataclass
class Table:
    """A table of a chart's numbers: its accessible alternative."""

    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def _pivot(
    items: list[dict[str, Any]], row_key: str, column_key: str
) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    rows = sorted({item[row_key] for item in items})
    columns = sorted({item[column_key] for item in items})
    counts = {(item[row_key], item[column_key]): item["count"] for item in items}
    return rows, columns, counts


def per_day_table(rows: list[dict[str, Any]]) -> Table:
    days, channels, counts = _pivot(rows, "day", "channel")
    table = Table(["Day", *(CHANNEL_LABELS.get(c, c) for c in channels), "Total"])
    for day in days:
        values = [counts.get((day, channel), 0) for channel in channels]
        table.rows.append([day, *values, sum(values)])
    return table


def lookups_table(rows: list[dict[str, Any]], agencies: dict[str, str]) -> Table:
    names, outcomes, counts = _pivot(rows, "agency", "outcome")
    outcomes = [o for o in OUTCOME_LABELS if o in outcomes] + [
        o for o in outcomes if o not in OUTCOME_LABELS
    ]
    table = Table(["Agency", *(OUTCOME_LABELS.get(o, o) for o in outcomes), "Total"])
    ordered = sorted(names, key=lambda a: agencies.get(a, a))
    for agency in ordered:
        values = [counts.get((agency, outcome), 0) for outcome in outcomes]
        table.rows.append([agencies.get(agency, agency), *values, sum(values)])
    return table


def survey_rows(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each answered question with its statement and each scale point's count and share."""
    texts = question_texts()
    scale = load_survey().scale
    rows = []
    for question in questions:
        n = question["n"]
        rows.append(
            {
                "id": question["id"],
                "driver": question["driver"].capitalize(),
                "text": texts.get(question["id"], question["id"]),
                "points": [
                    {
                        "label": scale[point],
                        "count": count,
                        "percent": round(100 * count / n) if n else 0,
                    }
                    for point, count in question["distribution"].items()
                ],
                "n": n,
                "percent_agree": question["percent_agree"],
                "mean": question["mean"],
            }
        )
    return rows


def build_dashboard(filters: Filters, url: str) -> dict[str, Any]:
    """Everything the page shows for these filters (blocking: run it in a thread)."""
    conversations = figures(filters, url)
    answers = survey(filters, url)
    names = service_names(url)
    agencies = agency_names(url)
    experiences = [
        (names.get(item["id"], item["id"]), item["count"])
        for item in conversations["top_life_experiences"][:TOP]
    ]
    services = [
        (names.get(item["id"], item["id"]), item["count"])
        for item in conversations["top_services"][:TOP]
    ]
    questions = survey_rows(answers["questions"])
    scale = load_survey().scale
    return {
        "conversations": conversations,
        "survey": answers,
        "questions": questions,
        "scale": [scale[point] for point in sorted(scale)],
        "experiences": experiences,
        "services": services,
        "per_day": per_day_table(conversations["per_day_channel"]),
        "lookups": lookups_table(conversations["lookups"], agencies),
        "demo_rows": demo_rows(filters, url),
        "charts": {
            "per_day": charts.conversations_per_day(
                conversations["per_day_channel"], CHANNEL_LABELS, "chart-per-day", "cap-per-day"
            ),
            "experiences": charts.ranked_bars(experiences, "chart-experiences", "cap-experiences"),
            "services": charts.ranked_bars(services, "chart-services", "cap-services"),
            "lookups": charts.lookups_by_agency(
                conversations["lookups"], agencies, OUTCOME_LABELS, "chart-lookups", "cap-lookups"
            ),
            "survey": charts.survey_distribution(
                [(q["driver"].capitalize(), q["distribution"]) for q in answers["questions"]],
                scale,
                "chart-survey",
                "cap-survey",
            ),
        },
    }


def format_moment(moment: datetime | None) -> str:
    return f"{moment:%B} {moment.day}, {moment:%Y} at {moment:%H:%M} UTC" if moment else ""


def _page(
    request: Request,
    user: StaffUser,
    raw: FilterInput,
    options: Options,
    freshness: Freshness,
    dashboard: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    fiscal_year, quarter = fiscal_quarter(utcnow().date())
    context = {
        "request": request,
        "user": user,
        "raw": raw,
        "options": options,
        "freshness": freshness,
        "as_of": format_moment(freshness.as_of),
        "as_of_iso": freshness.iso(),
        "dashboard": dashboard,
        "errors": errors or {},
        "current_fiscal_year": fiscal_year,
        "current_quarter": quarter,
        "figures_query": {} if errors else raw.query(),
    }
    return templates.TemplateResponse(
        "insights.html", context, status_code=400 if errors else 200, headers=NO_STORE
    )


def filter_input(
    date_from: str = Query("", alias="from"),
    date_to: str = Query("", alias="to"),
    channel: str = Query(""),
    life_experience: str = Query(""),
    demo: str = Query(INCLUDE),
) -> FilterInput:
    """The filter query parameters, as plain text: checked by parse_filters, so a bad value
    gets this page's own 400 rather than FastAPI's 422."""
    return FilterInput(
        date_from.strip(), date_to.strip(), channel.strip(), life_experience.strip(), demo.strip()
    )


def _bad_request(invalid: InvalidParameters) -> JSONResponse:
    return JSONResponse(
        {"detail": str(invalid), "errors": invalid.errors}, status_code=400, headers=NO_STORE
    )


# Routes.


@router.get("/insights", response_class=HTMLResponse)
async def insights_page(
    request: Request,
    user: StaffUser = Depends(staff_only),
    raw: FilterInput = Depends(filter_input),
) -> Response:
    settings = get_settings()
    url = settings.product_database_url
    freshness = await refresher.ensure_fresh(settings)
    options = await run_in_threadpool(load_options, url)
    try:
        filters = parse_filters(raw, options)
    except InvalidParameters as invalid:
        return _page(request, user, raw, options, freshness, errors=invalid.errors)
    dashboard = await run_in_threadpool(build_dashboard, filters, url)
    return _page(request, user, raw, options, freshness, dashboard)


@router.get("/api/insights/figures")
async def figures_api(
    user: StaffUser = Depends(staff_only),
    raw: FilterInput = Depends(filter_input),
) -> Response:
    settings = get_settings()
    url = settings.product_database_url
    freshness = await refresher.ensure_fresh(settings)
    options = await run_in_threadpool(load_options, url)
    try:
        filters = parse_filters(raw, options)
    except InvalidParameters as invalid:
        return _bad_request(invalid)
    conversations = await run_in_threadpool(figures, filters, url)
    answers = await run_in_threadpool(survey, filters, url)
    body = {
        "filters": filters_json(filters),
        "conversations": conversations,
        "survey": answers,
        "as_of": freshness.iso(),
        "notice": freshness.notice,
    }
    return JSONResponse(body, headers=NO_STORE)


async def _quarterly(
    fiscal_year: str, quarter: str, demo: str
) -> tuple[int | None, int | None, bool, str]:
    """Validated export parameters and the product database, after a refresh."""
    errors: dict[str, str] = {}
    include_demo = _demo(demo.strip(), errors)
    try:
        year, number = parse_quarter(fiscal_year.strip(), quarter.strip())
    except InvalidParameters as invalid:
        errors.update(invalid.errors)
    if errors:
        raise InvalidParameters(errors)
    settings = get_settings()
    await refresher.ensure_fresh(settings)
    return year, number, include_demo, settings.product_database_url


def export_name(fiscal_year: int | None, quarter: int | None) -> str:
    if fiscal_year is None:
        return "cx-navigator-a11-all.csv"
    return f"cx-navigator-a11-FY{fiscal_year}" + (f"-Q{quarter}" if quarter else "") + ".csv"


@router.get("/api/insights/quarterly.csv")
async def quarterly_csv(
    user: StaffUser = Depends(staff_only),
    fiscal_year: str = Query(""),
    quarter: str = Query(""),
    demo: str = Query(INCLUDE),
) -> Response:
    try:
        year, number, include_demo, url = await _quarterly(fiscal_year, quarter, demo)
    except InvalidParameters as invalid:
        return _bad_request(invalid)
    rows = await run_in_threadpool(quarterly_rows, year, number, include_demo, url)
    return Response(
        to_csv(rows),
        media_type="text/csv",  # Starlette adds "; charset=utf-8"
        headers={
            "Content-Disposition": f'attachment; filename="{export_name(year, number)}"',
            **NO_STORE,
        },
    )


@router.get("/api/insights/quarterly.json")
async def quarterly_json(
    user: StaffUser = Depends(staff_only),
    fiscal_year: str = Query(""),
    quarter: str = Query(""),
    demo: str = Query(INCLUDE),
) -> Response:
    try:
        year, number, include_demo, url = await _quarterly(fiscal_year, quarter, demo)
    except InvalidParameters as invalid:
        return _bad_request(invalid)
    body = await run_in_threadpool(json_figures, year, number, include_demo, url)
    return JSONResponse(body, headers=NO_STORE)
