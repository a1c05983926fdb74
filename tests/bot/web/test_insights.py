"""The insights dashboard and its API over HTTP: staff only, figures from seeded rows,
filters, clear 400s, the quarterly CSV, charts with their tables, and an unreachable store."""

from __future__ import annotations

import csv
import io
import re
import socket
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.auth.accounts import create_account
from bot.catalog.seed import seed_catalog
from bot.db import session_scope
from bot.insights import charts, refresher
from bot.insights.export import HEADER, fiscal_quarter
from bot.insights.models import ConversationSummary, SurveyResponse, utcnow
from bot.insights.summaries import ensure_tables
from bot.settings import get_settings
from bot.web.app import app

PASSWORD = "correct horse battery staple"
HTML = {"Accept": "text/html,application/xhtml+xml"}
JSON = {"Accept": "application/json"}
CHARTS = ("per-day", "experiences", "services", "lookups", "survey")


def summary(conversation_id: str, channel: str, day: int, **fields: Any) -> ConversationSummary:
    started = datetime(2026, 1, day, 10, 0)
    minutes = fields.pop("minutes", 4)
    return ConversationSummary(
        conversation_id=conversation_id,
        channel=channel,
        started_at=started,
        ended_at=started.replace(minute=minutes),
        last_event_at=started.replace(minute=minutes),
        is_demo=conversation_id.startswith("demo-"),
        **{
            "life_experiences": [],
            "services": [],
            "lookups": [],
            "handoff": False,
            "fallbacks": 0,
            "user_messages": 3,
            "survey_offered": True,
            **fields,
        },
    )


def response(conversation_id: str, day: int, life_experience: str, service: str, **answers: int):
    return SurveyResponse(
        conversation_id=conversation_id,
        channel="website",
        life_experience=life_experience,
        service=service,
        trigger="next_steps",
        status="answered",
        answers=answers,
        created_at=datetime(2026, 1, day, 10, 30),
        is_demo=conversation_id.startswith("demo-"),
    )


def seed(url: str) -> None:
    """Four conversations in January 2026 (fiscal 2026, Q2), one of them demo; three answers."""
    ensure_tables(url)
    with session_scope(url) as session:
        session.add_all(
            [
                summary(
                    "c-retire",
                    "website",
                    5,
                    life_experiences=["retirement"],
                    services=["ssa_retirement_benefits"],
                    lookups=[{"lookup": "passport", "agency": "state", "outcome": "found"}],
                    user_messages=4,
                ),
                summary(
                    "c-travel",
                    "website",
                    6,
                    life_experiences=["travel"],
                    services=["state_passport_renew"],
                    lookups=[{"lookup": "passport", "agency": "state", "outcome": "no_match"}],
                    handoff=True,
                    fallbacks=1,
                    user_messages=6,
                ),
                summary(
                    "c-rest",
                    "rest",
                    6,
                    life_experiences=["retirement"],
                    lookups=[{"lookup": "va_claim", "agency": "va", "outcome": "outage"}],
                    fallbacks=2,
                    user_messages=2,
                    survey_offered=False,
                ),
                summary("demo-c1", "website", 7, life_experiences=["retirement"]),
                response("c-retire", 5, "retirement", "ssa_retirement_benefits", trust=5, ease=4),
                response("c-travel", 6, "travel", "state_passport_renew", trust=3, ease=4),
                response("demo-c1", 7, "retirement", "ssa_retirement_benefits", trust=4, ease=5),
            ]
        )


@pytest.fixture
def client(web_env: Path) -> TestClient:
    seed_catalog()
    create_account("boss", PASSWORD, ["manager"], "Boss")
    create_account("writer", PASSWORD, ["editor"], "Writer")
    create_account("caller", PASSWORD, ["agent"], "Caller")
    seed(get_settings().product_database_url)
    return TestClient(app)


def sign_in(client: TestClient, username: str = "boss") -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "the login form carries a CSRF token"
    signed_in = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text


def figures_json(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/api/insights/figures", params=params, headers=JSON)
    assert response.status_code == 200, response.text
    return response.json()


# Who may see it.


@pytest.mark.parametrize(
    "path", ["/api/insights/figures", "/api/insights/quarterly.csv", "/api/insights/quarterly.json"]
)
def test_the_api_without_a_session_is_401_json(client: TestClient, path: str) -> None:
    response = client.get(path, headers=JSON)
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in as staff to use this."}


def test_the_page_without_a_session_sends_a_browser_to_sign_in(client: TestClient) -> None:
    response = client.get("/insights?channel=rest", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/insights%3Fchannel%3Drest"


def test_an_agent_account_is_refused(client: TestClient) -> None:
    sign_in(client, "caller")
    assert client.get("/api/insights/figures", headers=JSON).status_code == 403
    assert client.get("/insights", headers=HTML).status_code == 403
    assert client.get("/api/insights/quarterly.csv", headers=JSON).status_code == 403


def test_content_staff_may_read_it(client: TestClient) -> None:
    sign_in(client, "writer")
    assert client.get("/insights", headers=HTML).status_code == 200
    assert figures_json(client)["conversations"]["total_conversations"] == 4


# The figures.


def test_figures_json_matches_the_seeded_rows(client: TestClient) -> None:
    sign_in(client)
    body = figures_json(client)
    assert body["filters"] == {
        "from": None,
        "to": None,
        "channel": None,
        "life_experience": None,
        "include_demo": True,
    }
    conversations = body["conversations"]
    assert conversations["total_conversations"] == 4
    assert conversations["per_day_channel"] == [
        {"day": "2026-01-05", "channel": "website", "count": 1},
        {"day": "2026-01-06", "channel": "rest", "count": 1},
        {"day": "2026-01-06", "channel": "website", "count": 1},
        {"day": "2026-01-07", "channel": "website", "count": 1},
    ]
    assert conversations["top_life_experiences"][0] == {"id": "retirement", "count": 3}
    assert conversations["containment_rate"] == 75.0
    assert conversations["handoff_rate"] == 25.0
    assert conversations["fallback_message_rate"] == 20.0  # 3 of 15 messages
    assert conversations["lookups"] == [
        {"agency": "state", "outcome": "found", "count": 1},
        {"agency": "state", "outcome": "no_match", "count": 1},
        {"agency": "va", "outcome": "outage", "count": 1},
    ]
    answers = body["survey"]
    assert (answers["offered"], answers["respondents"], answers["response_rate"]) == (3, 3, 100.0)
    trust = next(q for q in answers["questions"] if q["id"] == "trust")
    assert trust["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}
    assert (trust["n"], trust["percent_agree"]) == (3, 66.7)
    assert body["notice"] is None and body["as_of"]


@pytest.mark.parametrize(
    ("params", "conversations", "respondents"),
    [
        ({"channel": "rest"}, 1, 0),
        ({"life_experience": "travel"}, 1, 1),
        ({"from": "2026-01-06", "to": "2026-01-06"}, 2, 1),
        ({"from": "2026-01-07"}, 1, 1),
        ({"demo": "exclude"}, 3, 2),
        ({"channel": "website", "life_experience": "retirement", "demo": "exclude"}, 1, 1),
    ],
)
def test_filters_narrow_the_figures(
    client: TestClient, params: dict[str, str], conversations: int, respondents: int
) -> None:
    sign_in(client)
    body = figures_json(client, **params)
    assert body["conversations"]["total_conversations"] == conversations
    assert body["survey"]["respondents"] == respondents


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13-01"}, "'from' must be a date written like 2026-01-31"),
        ({"to": "yesterday"}, "'to' must be a date written like 2026-01-31"),
        ({"from": "0001-01-01"}, "'from' must be a date between 2000-01-01 and 2099-12-31"),
        ({"from": "2026-01-07", "to": "2026-01-05"}, "'to' (2026-01-05) must not be before"),
        ({"channel": "fax"}, "Unknown channel 'fax': choose one of website, rest"),
        ({"life_experience": "moon_landing"}, "Unknown life experience 'moon_landing'"),
        ({"demo": "maybe"}, "'demo' must be 'include' or 'exclude'"),
        ({"channel": "x" * 5000}, "Unknown channel '" + "x" * 40 + "...'"),
    ],
)
def test_bad_filters_are_a_400_that_says_why(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    sign_in(client)
    api = client.get("/api/insights/figures", params=params, headers=JSON)
    assert api.status_code == 400
    assert message in api.json()["detail"]
    page = client.get("/insights", params=params, headers=HTML)
    assert page.status_code == 400
    assert "usa-alert--error" in page.text and 'role="alert"' in page.text
    assert message.replace("'", "&#39;") in page.text
    assert 'aria-invalid="true"' in page.text, "the field in error is marked"
    assert "<svg" not in page.text, "no figures for filters that cannot be used"
    assert "x" * 41 not in page.text, "a rejected value is quoted cut short"


# The quarterly export.


def test_the_quarterly_csv_downloads_with_counts_per_scale_point(client: TestClient) -> None:
    sign_in(client)
    response = client.get("/api/insights/quarterly.csv?fiscal_year=2026&quarter=2")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="cx-navigator-a11-FY2026-Q2.csv"'
    )
    reader = csv.DictReader(io.StringIO(response.text))
    assert reader.fieldnames == HEADER
    rows = {(row["service_id"], row["question_id"]): row for row in reader}
    trust = rows[("ssa_retirement_benefits", "trust")]
    assert (trust["fiscal_year"], trust["quarter"]) == ("2026", "2")
    assert [trust[f"point_{p}"] for p in range(1, 6)] == ["0", "0", "0", "1", "1"]
    assert trust["number_of_respondents"] == "2" and trust["percent_agree"] == "100.0"
    ease = rows[("state_passport_renew", "ease")]
    assert [ease[f"point_{p}"] for p in range(1, 6)] == ["0", "0", "0", "1", "0"]

    without_demo = client.get("/api/insights/quarterly.csv?fiscal_year=2026&quarter=2&demo=exclude")
    trust = next(
        row
        for row in csv.DictReader(io.StringIO(without_demo.text))
        if (row["service_id"], row["question_id"]) == ("ssa_retirement_benefits", "trust")
    )
    assert [trust[f"point_{p}"] for p in range(1, 6)] == ["0", "0", "0", "0", "1"]

    empty = client.get("/api/insights/quarterly.csv?fiscal_year=2026&quarter=1")
    assert empty.text.strip() == ",".join(HEADER), "a quarter without answers: the header only"


def test_the_quarterly_json_has_the_same_rows(client: TestClient) -> None:
    sign_in(client)
    body = client.get("/api/insights/quarterly.json?fiscal_year=2026&quarter=2").json()
    csv_rows = list(
        csv.DictReader(io.StringIO(client.get("/api/insights/quarterly.csv?fiscal_year=2026").text))
    )
    assert body["columns"] == HEADER
    assert (body["fiscal_year"], body["quarter"]) == (2026, 2)
    assert len(body["rows"]) == len(csv_rows) > 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("fiscal_year=abc&quarter=1", "'fiscal_year' must be a year like 2026"),
        ("fiscal_year=1850", "'fiscal_year' must be a year like 2026"),
        ("fiscal_year=2026&quarter=5", "'quarter' must be 1, 2, 3 or 4"),
        ("quarter=2", "'quarter' needs its 'fiscal_year'"),
        ("fiscal_year=2026&demo=sometimes", "'demo' must be 'include' or 'exclude'"),
    ],
)
def test_bad_export_parameters_are_a_400(client: TestClient, query: str, message: str) -> None:
    sign_in(client)
    for path in ("/api/insights/quarterly.csv", "/api/insights/quarterly.json"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert message in response.json()["detail"]


# The page.


def _page(client: TestClient, **params: str) -> httpx.Response:
    response = client.get("/insights", params=params, headers=HTML)
    assert response.status_code == 200, response.text
    return response


def test_the_page_draws_every_chart_with_a_caption_and_a_table(client: TestClient) -> None:
    sign_in(client)
    html = _page(client).text
    svgs = re.findall(r"<svg [^>]*>", html)
    assert len(svgs) == len(CHARTS)
    for name in CHARTS:
        tag = next(s for s in svgs if f'id="chart-{name}"' in s)
        assert 'role="img"' in tag and f'aria-labelledby="cap-{name}"' in tag
        assert f'<figcaption id="cap-{name}"' in html, "the label is visible text"
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html
    # The page's Content-Security-Policy blocks inline style: charts draw with attributes.
    assert "<style" not in html and not re.search(r"\sstyle=", html)
    assert 'font-family="' in html and 'fill="' in html
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [name for name, n in ids.items() if n > 1] == [], "ids are unique in the page"
    # Per day, life experiences, services, lookups and survey: a table beside each chart.
    assert html.count('<table class="usa-table ') == len(CHARTS)
    assert "Approaching retirement" in html, "life experiences by title, not id"
    assert "U.S. Department of State" in html, "agencies by name, not id"
    assert 'id="survey-results"' in html and "Percent agree" in html and "66.7%" in html
    assert "Includes demo data" in html
    assert "Figures as of" in html
    assert 'action="/logout"' in html and 'name="csrf_token"' in html
    assert client.get("/insights", headers=HTML).headers["cache-control"] == "no-store"


def test_the_download_form_defaults_to_the_current_fiscal_quarter(client: TestClient) -> None:
    sign_in(client)
    html = _page(client).text
    year, quarter = fiscal_quarter(utcnow().date())
    assert 'action="/api/insights/quarterly.csv"' in html
    assert f'<option value="{year}" selected>FY{year}</option>' in html
    assert f'<option value="{quarter}" selected>Q{quarter}</option>' in html
    assert '<option value="2026"' in html, "fiscal years back to the first answer"
    assert "Download quarterly CSV" in html
    assert 'href="/api/insights/figures"' in html


def test_the_page_keeps_the_filters_and_drops_the_demo_tag_without_demo(
    client: TestClient,
) -> None:
    sign_in(client)
    html = _page(client, channel="website", demo="exclude", **{"from": "2026-01-05"}).text
    assert '<option value="website" selected>' in html
    assert 'value="2026-01-05"' in html
    assert 'id="demo-exclude" type="radio" name="demo" value="exclude" checked' in html
    assert "Includes demo data" not in html
    assert "channel=website" in html, "the JSON link carries the filters"


def test_a_period_without_conversations_says_so_instead_of_charts(client: TestClient) -> None:
    sign_in(client)
    html = _page(client, **{"from": "2026-03-01"}).text
    assert "No conversations in this period." in html
    assert "No survey answers in this period." in html
    assert "<svg" not in html


# Freshness.


def test_summaries_are_refreshed_at_most_once_a_minute(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(refresher.refresher, "refresh", lambda s: calls.append("refresh") or 0)
    sign_in(client)
    _page(client)
    figures_json(client)
    client.get("/api/insights/quarterly.csv")
    assert calls == ["refresh"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_tracker_store_shows_stored_figures_with_a_notice(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{closed_port()}/0")
    get_settings.cache_clear()
    sign_in(client)
    html = _page(client).text
    assert "The conversation store could not be read just now" in html
    assert 'id="freshness-notice"' in html
    assert 'id="chart-per-day"' in html, "the stored figures are still shown"
    assert figures_json(client)["notice"] == refresher.STORE_UNREACHABLE


# The charts themselves (bot.insights.charts).


def test_a_chart_is_small_labelled_scalable_svg_and_nothing_without_data() -> None:
    scale = {point: f"point {point}" for point in range(1, 6)}
    svg = charts.survey_distribution([("Trust", {1: 1, 2: 0, 3: 2, 4: 5, 5: 4})], scale, "c", "l")
    assert svg is not None and svg.startswith("<svg ")
    opening = svg[: svg.index(">")]
    assert 'role="img"' in opening and 'aria-labelledby="l"' in opening
    assert "viewBox" in opening and " width=" not in opening, "scales with the page"
    assert "<text" in svg and "point 1" in svg, "text stays text"
    assert "glyph" not in svg.lower() and "@font-face" not in svg, "no embedded fonts"
    assert len(svg) < 40_000
    assert re.findall(r'\sid="(?!c[-"])', svg) == [], "every id is prefixed by the chart's"
    assert charts.survey_distribution([("Trust", {})], {}, "c", "l") is None
    assert charts.conversations_per_day([], {}, "c", "l") is None
    assert charts.ranked_bars([], "c", "l") is None
    assert charts.lookups_by_agency([], {}, {}, "c", "l") is None


def test_a_slow_refresh_shows_the_stored_figures_without_waiting_for_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refresher.refresher, "refresh", lambda settings: time.sleep(1) or 0)
    monkeypatch.setattr(refresher.refresher, "wait", 0.05)
    sign_in(client)
    html = _page(client).text
    assert refresher.STILL_UPDATING in html
    assert 'id="chart-per-day"' in html
