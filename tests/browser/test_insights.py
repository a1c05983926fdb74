"""The insights dashboard in a real browser: sign in by keyboard, charts drawn from demo rows,
the quarterly CSV downloaded, WCAG 2.1 AA by axe-core, and a 320-pixel-wide screen."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from bot.db import Base, engine_for, session_scope
from bot.insights.export import HEADER
from bot.insights.models import DEMO_PREFIX, ConversationSummary, SurveyResponse, utcnow
from tests.browser.widget import Widget
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SEED_PREFIX = f"{DEMO_PREFIX}insights-"
WIDGET_SESSION_KEY = "cxnavigator.session"  # bot/web/static/widget/cx-navigator.js
CHARTS = ("per-day", "experiences", "services", "lookups", "survey")
# (life experience, service, lookup agency and outcome or None, channel, handoff)
STORIES = [
    ("retirement", "ssa_retirement_benefits", ("ssa", "found"), "website", False),
    ("travel", "state_passport_renew", ("state", "no_match"), "website", False),
    ("military_transition", "va_disability_compensation", ("va", "outage"), "rest", True),
    ("student_loans", "ed_fsa_loan_summary", ("ed_fsa", "found"), "website", False),
    ("retirement", "cms_medicare_enrollment", None, "rest", False),
    ("disaster_recovery", "fema_individual_assistance", ("fema", "found"), "website", True),
]


def seed_demo_rows(url: str, days: int = 10) -> None:
    """Demo conversations and survey answers over the last `days` days, written straight
    into the product database (flagged is_demo, ids under DEMO_PREFIX, like a replay)."""
    Base.metadata.create_all(
        engine_for(url), tables=[ConversationSummary.__table__, SurveyResponse.__table__]
    )
    # Every seeded row ends in the past: a row in the future would move the incremental
    # refresh's watermark past the conversations the tests then have.
    today = utcnow().replace(second=0, microsecond=0) - timedelta(hours=1)
    rows: list[ConversationSummary | SurveyResponse] = []
    for number in range(days * 3):
        experience, service, lookup, channel, handoff = STORIES[number % len(STORIES)]
        started = today - timedelta(days=number % days, minutes=number)
        conversation_id = f"{SEED_PREFIX}{number}"
        rows.append(
            ConversationSummary(
                conversation_id=conversation_id,
                channel=channel,
                started_at=started,
                ended_at=started + timedelta(minutes=2 + number % 5),
                life_experiences=[experience],
                services=[service],
                lookups=[{"lookup": None, "agency": lookup[0], "outcome": lookup[1]}]
                if lookup
                else [],
                handoff=handoff,
                fallbacks=int(number % 4 == 0),
                user_messages=3 + number % 6,
                survey_offered=True,
                last_event_at=started + timedelta(minutes=2 + number % 5),
                is_demo=True,
            )
        )
        if number % 3 != 2:  # two of three answer the survey
            score = 1 + (number * 7) % 5
            rows.append(
                SurveyResponse(
                    conversation_id=conversation_id,
                    channel=channel,
                    life_experience=experience,
                    service=service,
                    trigger="next_steps",
                    status="answered",
                    answers={"trust": max(score, 3), "effectiveness": score, "ease": 5},
                    created_at=started + timedelta(minutes=1),
                    is_demo=True,
                )
            )
    delete_seeded_rows(url)
    with session_scope(url) as session:
        session.add_all(rows)


def delete_seeded_rows(url: str) -> None:
    """Only this module's rows: the stack's database is shared with other tests."""
    with session_scope(url) as session:
        for model in (SurveyResponse, ConversationSummary):
            session.query(model).filter(model.conversation_id.startswith(SEED_PREFIX)).delete(
                synchronize_session=False
            )


@pytest.fixture(scope="module")
def demo_data(stack: Stack) -> Iterator[None]:
    url = f"sqlite:///{stack.var_dir}/cx.db"
    seed_demo_rows(url)
    yield
    delete_seeded_rows(url)


def sign_in(page: Page, site: str, stack: Stack) -> None:
    """As a person would with the keyboard: the login form, then Enter."""
    page.goto(site.rstrip("/") + "/insights")
    expect(page).to_have_url(re.compile(r"/login\?next=/insights$"))
    page.get_by_label("Username").fill("manager")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(stack.staff_demo_password())
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.endswith("/insights"))
    expect(page.get_by_role("heading", level=1)).to_have_text("CX insights")


def audit(page: Page) -> None:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()


def summarized(url: str, conversation_id: str) -> ConversationSummary | None:
    with session_scope(url) as session:
        return session.get(ConversationSummary, conversation_id)


def test_a_widget_conversation_reaches_the_dashboard(
    page: Page, site: str, stack: Stack, demo_data: None
) -> None:
    """The issue's "done": chat in the widget, then find the conversation on /insights.
    (First in this module: the page refreshes summaries at most once a minute.)"""
    page.goto(site)
    widget = Widget(page)
    widget.open_by_keyboard()
    widget.say("I'm retiring next year and want to sign up for Medicare")
    conversation_id = page.evaluate(f"sessionStorage.getItem('{WIDGET_SESSION_KEY}')")
    assert conversation_id, "the widget keeps its conversation id for the tab"

    sign_in(page, site, stack)
    url = f"sqlite:///{stack.var_dir}/cx.db"
    deadline = time.monotonic() + 90  # a refresh less than a minute ago waits for the next
    while (found := summarized(url, conversation_id)) is None:
        assert time.monotonic() < deadline, "the conversation never reached the summaries"
        page.wait_for_timeout(5_000)
        page.reload()
    assert found.channel == "website" and not found.is_demo and found.user_messages >= 1
    today = utcnow().date().isoformat()
    response = page.request.get(
        site.rstrip("/") + f"/api/insights/figures?channel=website&demo=exclude&from={today}"
    )
    assert response.ok, response.text()
    assert response.json()["conversations"]["total_conversations"] >= 1


def test_the_dashboard_shows_charts_survey_results_and_the_quarterly_csv(
    page: Page, site: str, stack: Stack, demo_data: None, tmp_path: Path
) -> None:
    sign_in(page, site, stack)
    for name in CHARTS:
        chart = page.locator(f"svg#chart-{name}")
        expect(chart).to_be_visible()
        expect(chart).to_have_attribute("role", "img")
        caption = page.locator(f"#cap-{name}")
        expect(caption).to_be_visible()
        assert chart.get_attribute("aria-labelledby") == f"cap-{name}"
        assert chart.locator("path, rect").count() > 10, f"{name}: bars are drawn"
    expect(page.get_by_text("Includes demo data")).to_be_visible()
    survey = page.locator("#survey-results")
    expect(survey).to_be_visible()
    expect(survey.get_by_role("columnheader", name="Percent agree")).to_be_visible()
    expect(survey.get_by_role("row").nth(1)).to_contain_text("%")
    expect(page.locator("#headline-figures")).to_contain_text("Containment")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download quarterly CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("cx-navigator-a11-FY")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    reader = csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8")))
    assert reader.fieldnames == HEADER
    assert list(reader), "today's demo answers are in this quarter's export"

    audit(page)


def test_filters_and_errors_by_keyboard_pass_axe(
    page: Page, site: str, stack: Stack, demo_data: None
) -> None:
    sign_in(page, site, stack)
    page.get_by_label("Channel", exact=True).select_option("rest")
    page.get_by_label("Include demo data").focus()
    page.keyboard.press("ArrowDown")  # radios change by arrow keys
    expect(page.get_by_label("Exclude demo data")).to_be_checked()
    page.get_by_role("button", name="Apply filters").press("Enter")
    page.wait_for_url(lambda url: "channel=rest" in url and "demo=exclude" in url)
    expect(page.get_by_label("Channel", exact=True)).to_have_value("rest")
    expect(page.get_by_text("Includes demo data")).to_have_count(0)

    page.goto(site.rstrip("/") + "/insights?from=2001-01-01&to=2001-01-31")
    expect(page.get_by_text("No conversations in this period.")).to_be_visible()
    expect(page.locator("svg[role=img]")).to_have_count(0)

    response = page.goto(site.rstrip("/") + "/insights?from=2026-02-30")
    assert response is not None and response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("'from' must be a date")
    audit(page)


def test_usable_at_320_pixels_wide(
    new_page: Callable[..., Page], site: str, stack: Stack, demo_data: None
) -> None:
    page = new_page(viewport={"width": 320, "height": 640})
    sign_in(page, site, stack)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    for name in CHARTS:  # a chart scrolls sideways inside its own box, not the page
        box = page.locator(f"#cap-{name} + .cx-chart").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320
    audit(page)
