"""`make demo-data`: scripted conversations replayed through the running stack, moved back
in time, counted by the insights figures, and removed again without touching real data."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy import select

from bot.db import engine_for, session_scope
from bot.insights.analytics import Filters, figures, survey
from bot.insights.demo import SCRIPT_FILE, Replayed, Script, Step, load_scripts, settle
from bot.insights.models import DEMO_PREFIX, ConversationSummary, SurveyResponse, utcnow
from bot.insights.summaries import ensure_tables, refresh_summaries
from bot.insights.tracker_source import EVENTS, iter_redis, iter_sql
from bot.redis_clients import redis_kwargs
from bot.settings import REPO_ROOT, Settings, get_settings
from tests.bot.insights.conversations import bot, save_to_rasa_store, slot, user
from tests.support.stack import Stack, free_port, start_stack, stop_stack

SCRIPTS = Path(__file__).with_name("demo_conversations.yml")
DAY = timedelta(days=1)
TEST_REDIS_DB = 13  # a database of its own: the stack's conversations live in database 0


# The scripts themselves: valid, and varied enough for a dashboard.


def test_the_demo_scripts_are_valid_and_varied() -> None:
    scripts = load_scripts(SCRIPT_FILE)
    assert 25 <= len(scripts) <= 40
    assert {s.channel for s in scripts} == {"rest", "website"}
    assert len({s.days_ago for s in scripts}) >= 20, "the charts need a spread of days"
    plans = [s.survey for s in scripts]
    assert sum(1 for p in plans if p and p.decline) >= 2
    assert sum(1 for p in plans if p and p.comment) >= 5
    assert sum(1 for p in plans if p is None) >= 2, "some people ignore the survey"
    points = [a for p in plans if p for a in p.answers]
    assert set(points) == {1, 2, 3, 4, 5}
    assert 3.5 < sum(points) / len(points) < 4.5, "a plausible, mostly positive mean"
    said = " ".join(step.say or "" for s in scripts for step in s.steps)
    for identity in ("4821", "600123456", "7712", "FSA-2026-004417", "R7K2-9QX4M1"):
        assert identity in said, f"the demo identity {identity} is never looked up"
    for identity in ("441234567", "5519", "IOE0912345678", "1EG4-TE5-MK73", "TT1234567"):
        assert identity in said, f"the demo identity {identity} is never looked up"


def test_a_script_is_checked_before_anything_is_sent(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("conversations:\n  - name: x\n    days_ago: 91\n    steps: [{say: hi}]\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot.insights.demo", "--script", str(bad)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "days_ago" in result.stderr


def test_an_assistant_that_is_not_running_is_named_with_the_fix(tmp_path: Path) -> None:
    result = _demo(tmp_path, f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "start the assistant first: make run (in another terminal)" in result.stderr


# Moving conversations back in time, on each tracker store, without a stack.


def _recent_conversations(now: float) -> dict[str, list[dict]]:
    demo, real = f"{DEMO_PREFIX}{uuid.uuid4().hex}", f"real-{uuid.uuid4().hex}"
    lookup = [
        user(now - 30, "where is my passport", "status_passport", "rest"),
        slot(now - 29, "lookup", "passport"),
        user(now - 10, "[identity details, not kept]", "inform", "rest"),
        slot(now - 9, "lookup_outcome", "found"),
        bot(now - 8, "Your passport application is in process."),
    ]
    return {demo: lookup, real: [dict(e) for e in lookup]}


def _moved_back(events: list[dict], now: float) -> list[float]:
    return [round(now - e["timestamp"], 3) for e in events]


def _check_settled(settings: Settings, conversations: dict, read: dict, now: float) -> None:
    demo, real = sorted(conversations, key=lambda s: not s.startswith(DEMO_PREFIX))
    # The last event moves by the days alone; each earlier one also by a think time
    # (30 s here) for every message the person sent after it.
    day = 5 * 86400
    assert _moved_back(read[demo], now) == [
        day + 30 + 30,
        day + 29 + 30,
        day + 10,
        day + 9,
        day + 8,
    ]
    assert _moved_back(read[real], now) == [30, 29, 10, 9, 8], "only demo conversations move"
    with session_scope(settings.product_database_url) as session:
        summary = session.get(ConversationSummary, demo)
        real_summary = session.get(ConversationSummary, real)
        answers = session.scalars(select(SurveyResponse)).all()
    assert summary is not None and summary.is_demo
    assert abs(utcnow() - DAY * 5 - summary.ended_at) < timedelta(minutes=1)
    # Real conversations are summarized first, where they are: the demo rows of today
    # move the refresh watermark past them.
    assert real_summary is not None and not real_summary.is_demo
    assert abs(utcnow() - real_summary.ended_at) < timedelta(minutes=1)
    assert summary.lookups == [{"lookup": "passport", "agency": "state", "outcome": "found"}]
    created = {r.conversation_id: r.created_at for r in answers}
    assert abs(utcnow() - DAY * 5 - created[demo]) < timedelta(minutes=1)
    assert abs(utcnow() - created[real]) < timedelta(minutes=1), "a real answer never moves"


def _answered(settings: Settings, *senders: str) -> None:
    ensure_tables(settings.product_database_url)
    with session_scope(settings.product_database_url) as session:
        for sender in senders:
            session.add(
                SurveyResponse(
                    conversation_id=sender,
                    channel="rest",
                    service="state_passport_status",
                    trigger="lookup",
                    status="answered",
                    answers={"trust": 4},
                    is_demo=sender.startswith(DEMO_PREFIX),
                )
            )


def _replayed(conversations: dict) -> list[Replayed]:
    script = Script(name="passport", days_ago=5, steps=[Step(say="where is my passport")])
    return [Replayed(script, sender, think_seconds=30) for sender in conversations]


def test_settle_moves_demo_conversations_and_their_rows_on_sql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    settings = get_settings()
    now = time.time()
    conversations = _recent_conversations(now)
    store = SQLTrackerStore(Domain.empty(), host=settings.tracker_database_url)
    save_to_rasa_store(store, conversations)
    _answered(settings, *conversations)

    assert settle(_replayed(conversations), settings).missing == []
    _check_settled(settings, conversations, dict(iter_sql(settings.tracker_database_url)), now)
    # Every later refresh, even a full one, finds the same days in the events.
    refresh_summaries(settings, full=True)
    figures_now = figures(url=settings.product_database_url)
    assert {row["day"] for row in figures_now["per_day_channel"]} == {
        str((utcnow() - DAY * 5).date()),
        str(utcnow().date()),
    }


@pytest.mark.integration
def test_settle_moves_demo_conversations_on_redis_and_keeps_their_expiry(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = urlunsplit(urlsplit(redis_url)._replace(path=f"/{TEST_REDIS_DB}"))
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    settings = get_settings()
    now = time.time()
    conversations = _recent_conversations(now)
    store = RedisTrackerStore(Domain.empty(), record_exp=3600, key_prefix="cx", **redis_kwargs(url))
    save_to_rasa_store(store, conversations)
    _answered(settings, *conversations)
    client = redis.Redis(**{k: v for k, v in redis_kwargs(url).items() if k != "use_ssl"})
    try:
        assert settle(_replayed(conversations), settings).missing == []
        read = {s: e for s, e in iter_redis(client) if s in conversations}
        _check_settled(settings, conversations, read, now)
        for sender in conversations:
            assert 3500 < client.ttl(f"cx:tracker:{sender}") <= 3600, "the expiry is kept"
    finally:
        client.delete(*(f"cx:tracker:{sender}" for sender in conversations))


# The whole command, against the real stack.


def _demo(var_dir: Path, rasa_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(RASA_SERVER_URL=rasa_url, CX_VAR_DIR=str(var_dir))
    return subprocess.run(
        [sys.executable, "-m", "bot.insights.demo", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of this module's own: its assertions count every row of the database."""
    running = start_stack(
        tmp_path_factory.mktemp("demo-stack-var"), remove_env=("REDIS_URL", "DATABASE_URL")
    )
    yield running
    stop_stack(running)


@pytest.fixture
def stack_settings(demo_stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """This process's settings pointed at the stack's databases."""
    monkeypatch.setenv("CX_VAR_DIR", str(demo_stack.var_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="module")
def real_sender(demo_stack: Stack) -> str:
    """A real (not demo) conversation with a survey answer, made before the replay."""
    sender = uuid.uuid4().hex
    replies = demo_stack.say("first time leaving the country, need to get a passport", sender)
    for _ in range(3):
        if not any(b["payload"] == "/not_sure" for r in replies for b in r.get("buttons", [])):
            break
        replies = demo_stack.say("/not_sure", sender)
    demo_stack.say('/survey_start{"survey_trigger": "next_steps"}', sender)
    demo_stack.say('/survey_answer{"survey_score": "5"}', sender)
    demo_stack.say("/survey_skip", sender)
    return sender


@pytest.fixture(scope="module")
def replay_output(demo_stack: Stack, real_sender: str) -> str:
    result = _demo(demo_stack.var_dir, demo_stack.url("rasa"), "--script", str(SCRIPTS))
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _demo_rows(settings: Settings) -> tuple[list[ConversationSummary], list[SurveyResponse]]:
    with session_scope(settings.product_database_url) as session:
        summaries = session.scalars(
            select(ConversationSummary).where(ConversationSummary.is_demo.is_(True))
        ).all()
        responses = session.scalars(
            select(SurveyResponse).where(SurveyResponse.is_demo.is_(True))
        ).all()
    return list(summaries), list(responses)


def _days_ago(moment: datetime) -> float:
    return (utcnow() - moment) / DAY


@pytest.mark.integration
def test_the_replay_is_marked_demo_and_spread_over_the_scripted_days(
    replay_output: str, real_sender: str, stack_settings: Settings
) -> None:
    assert "replayed 4 demo conversations" in replay_output
    assert "make demo-data DELETE=1" in replay_output
    summaries, responses = _demo_rows(stack_settings)
    assert len(summaries) == 4
    assert all(s.conversation_id.startswith(DEMO_PREFIX) for s in summaries + responses)
    by_kind = {}
    for s in summaries:
        if s.handoff:
            by_kind["handoff"] = s
        elif s.channel == "website":
            by_kind["website"] = s
        elif s.lookups and s.lookups[-1]["outcome"] == "found":
            by_kind["found"] = s
        elif s.lookups and s.lookups[-1]["outcome"] == "no_match":
            by_kind["no_match"] = s
    scripted = {"found": 3, "no_match": 10, "handoff": 24, "website": 0}
    assert set(by_kind) == set(scripted), [(s.channel, s.lookups, s.handoff) for s in summaries]
    for kind, days in scripted.items():
        summary = by_kind[kind]
        assert abs(_days_ago(summary.ended_at) - days) < 0.05, kind
        assert summary.started_at < summary.ended_at - timedelta(seconds=15), "think time"
    assert by_kind["website"].life_experiences == ["travel"]

    statuses = {r.conversation_id: (r.status, r.trigger, r.answers) for r in responses}
    assert statuses == {
        by_kind["found"].conversation_id: (
            "answered",
            "lookup",
            {"trust": 4, "effectiveness": 5, "ease": 4, "efficiency": 3},
        ),
        by_kind["no_match"].conversation_id: (
            "answered",
            "close",
            {"trust": 2, "effectiveness": 2},
        ),
        by_kind["handoff"].conversation_id: ("skipped", "close", {}),
        by_kind["website"].conversation_id: ("skipped", "next_steps", {}),
    }
    for response in responses:
        summary = next(s for s in summaries if s.conversation_id == response.conversation_id)
        assert abs(response.created_at - summary.ended_at) < timedelta(minutes=5)
    assert next(r.comment for r in responses if r.answers.get("efficiency") == 3) == "Clear answer."


@pytest.mark.integration
def test_the_figures_count_the_demo_and_can_leave_it_out(
    replay_output: str, real_sender: str, stack_settings: Settings
) -> None:
    url = stack_settings.product_database_url
    result = figures(url=url)  # the replay summarized the real conversation first
    outcomes = {(row["agency"], row["outcome"]) for row in result["lookups"]}
    assert {("state", "found"), ("va", "no_match")} <= outcomes
    assert result["handoff_rate"] > 0
    assert result["total_conversations"] == 5
    assert len({row["day"] for row in result["per_day_channel"]}) == 4
    assert {row["channel"] for row in result["per_day_channel"]} == {"rest", "website"}
    assert survey(url=url)["respondents"] == 3
    assert figures(Filters(include_demo=False), url=url)["total_conversations"] == 1
    assert survey(Filters(include_demo=False), url=url)["respondents"] == 1

    before = {s.conversation_id: s.ended_at for s in _demo_rows(stack_settings)[0]}
    refresh_summaries(stack_settings, full=True)
    after = {s.conversation_id: s.ended_at for s in _demo_rows(stack_settings)[0]}
    assert after == before, "a full refresh reads the moved events: the days stay"


@pytest.mark.integration
def test_delete_removes_exactly_the_demo_data(
    demo_stack: Stack, replay_output: str, real_sender: str, stack_settings: Settings
) -> None:
    result = _demo(demo_stack.var_dir, demo_stack.url("rasa"), "--delete")
    assert result.returncode == 0, result.stderr
    assert (
        "deleted demo data: 4 conversation summaries, 4 survey responses, "
        "4 stored conversations" in result.stdout
    )
    assert _demo_rows(stack_settings) == ([], [])
    with session_scope(stack_settings.product_database_url) as session:
        assert session.get(ConversationSummary, real_sender) is not None
        kept = session.scalars(select(SurveyResponse.conversation_id)).all()
    assert kept == [real_sender]
    with engine_for(stack_settings.tracker_database_url).connect() as conn:
        senders = set(conn.scalars(select(EVENTS.c.sender_id).distinct()))
    assert real_sender in senders
    assert not [s for s in senders if s.startswith(DEMO_PREFIX)]
    assert demo_stack.say("hello", real_sender), "the real conversation carries on"
