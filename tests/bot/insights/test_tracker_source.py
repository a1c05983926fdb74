"""Reading conversations from real tracker stores, written by Rasa's own store classes;
and removing demo data from them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bot.db import engine_for, session_scope
from bot.insights.analytics import Filters, figures, survey
from bot.insights.demo import delete_demo_data
from bot.insights.export import quarterly_rows
from bot.insights.models import ConversationSummary, SurveyResponse
from bot.insights.summaries import refresh_summaries
from bot.insights.tracker_source import EVENTS, iter_conversations, iter_redis, iter_sql
from bot.redis_clients import redis_kwargs
from bot.settings import get_settings
from tests.bot.insights.conversations import D2, conversations, save_to_rasa_store

# A Redis database of its own, so the stack's conversations (database 0) are never read.
TEST_REDIS_DB = 12


def _essentials(events: list[dict]) -> list[tuple]:
    """What summaries read of an event; Rasa adds fields of its own when it stores one."""
    return [
        (e["event"], e.get("timestamp"), e.get("name"), e.get("value"), e.get("input_channel"))
        for e in events
    ]


@pytest.fixture
def sql_store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    save_to_rasa_store(SQLTrackerStore(Domain.empty(), host=url), conversations())
    return url


def test_sql_store_gives_each_conversation_in_order(sql_store: str) -> None:
    read = dict(iter_sql(sql_store, batch_size=2))  # several batches
    expected = conversations()
    assert sorted(read) == sorted(expected)
    for sender, events in expected.items():
        assert _essentials(read[sender]) == _essentials(events), sender
    said = [e for e in read["c-loans"] if e["event"] == "user"]
    assert said[4]["parse_data"]["intent"]["name"] == "nlu_fallback"


def test_sql_store_only_conversations_newer_than_a_watermark(sql_store: str) -> None:
    newer = [sender for sender, _ in iter_sql(sql_store, since=D2 + 150)]
    assert newer == ["c-empty", "c-resumed", "demo-c1"]
    assert [sender for sender, _ in iter_sql(sql_store, since=D2 + 10**7)] == []


def test_a_missing_events_table_is_an_empty_store(tmp_path: Path) -> None:
    assert list(iter_sql(f"sqlite:///{tmp_path / 'none.db'}")) == []


def test_demo_data_leaves_the_sql_store_and_the_product_database(
    product_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker_url = get_settings().tracker_database_url
    save_to_rasa_store(SQLTrackerStore(Domain.empty(), host=tracker_url), conversations())
    refresh_summaries()
    with session_scope(product_url) as session:
        session.add(
            SurveyResponse(
                conversation_id="demo-c1",
                channel="website",
                service="general",
                trigger="close",
                status="skipped",
                answers={},
                is_demo=True,
            )
        )
    assert delete_demo_data() == {
        "survey_responses": 1,
        "conversation_summaries": 1,
        "conversations": 1,
    }
    assert "demo-c1" not in dict(iter_conversations())
    with session_scope(product_url) as session:
        assert session.scalar(select(func.count()).select_from(ConversationSummary)) == 4
    assert delete_demo_data() == {
        "survey_responses": 0,
        "conversation_summaries": 0,
        "conversations": 0,
    }


@pytest.fixture
def redis_tracker(
    redis_url: str, product_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[redis.Redis, dict[str, list[dict]]]]:
    """The known conversations under unique ids in the test Redis database, REDIS_URL
    pointing at it; every key written is removed afterwards."""
    parts = urlsplit(redis_url)
    url = urlunsplit(parts._replace(path=f"/{TEST_REDIS_DB}"))
    monkeypatch.setenv("REDIS_URL", url)
    get_settings.cache_clear()
    run = uuid.uuid4().hex[:8]
    known = {
        (f"demo-{run}-{cid[5:]}" if cid.startswith("demo-") else f"{cid}-{run}"): events
        for cid, events in conversations().items()
    }
    store = RedisTrackerStore(Domain.empty(), key_prefix="cx", **redis_kwargs(url))
    save_to_rasa_store(store, known)
    client = redis.Redis(**{k: v for k, v in redis_kwargs(url).items() if k != "use_ssl"})
    yield client, known
    for sender in known:
        client.delete(f"cx:tracker:{sender}")


@pytest.mark.integration
def test_redis_store_gives_each_conversation(redis_tracker: tuple) -> None:
    client, known = redis_tracker
    read = {sender: events for sender, events in iter_redis(client, batch_size=2)}
    for sender, events in known.items():
        assert _essentials(read[sender]) == _essentials(events), sender
    newer = {sender for sender, _ in iter_redis(client, since=D2 + 150)}
    assert {s for s in known if s.startswith(("c-empty", "c-resumed", "demo-"))} <= newer
    assert not newer & {s for s in known if s.startswith(("c-retire", "c-loans", "c-travel"))}


@pytest.mark.integration
def test_redis_store_refresh_and_demo_deletion(redis_tracker: tuple, product_url: str) -> None:
    client, known = redis_tracker
    refresh_summaries()
    with session_scope(product_url) as session:
        stored = set(session.scalars(select(ConversationSummary.conversation_id)))
        demo = session.scalars(
            select(ConversationSummary.conversation_id).where(ConversationSummary.is_demo)
        ).all()
    assert {s for s in known if not s.startswith("c-empty")} <= stored
    assert len([s for s in demo if s in known]) == 1
    deleted = delete_demo_data()
    assert deleted["conversation_summaries"] >= 1 and deleted["conversations"] >= 1
    assert not [key for key in client.scan_iter(match="cx:tracker:demo-*")]
    assert client.exists(*(f"cx:tracker:{s}" for s in known if not s.startswith("demo-"))) == 5


@pytest.fixture
def own_postgres(postgres_url: str) -> Iterator[str]:
    """A database of this test's own: the session's PostgreSQL is shared with other tests'
    conversations, and these assertions count everything."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT", future=True)
    name = f"cx_insights_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    yield url
    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.integration
def test_the_whole_pipeline_on_postgresql(
    own_postgres: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", own_postgres)
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    save_to_rasa_store(SQLTrackerStore(Domain.empty(), host=own_postgres), conversations())
    assert refresh_summaries() == 5
    assert refresh_summaries() == 1  # the upsert path, over existing rows
    with session_scope(own_postgres) as session:
        session.add(
            SurveyResponse(
                conversation_id="c-retire",
                channel="website",
                life_experience="retirement",
                service="ssa_retirement_benefits",
                trigger="next_steps",
                status="answered",
                answers={"trust": 5, "ease": 4},
            )
        )
    result = figures(Filters(date(2026, 1, 5), date(2026, 1, 7), life_experience="retirement"))
    assert result["total_conversations"] == 2
    assert result["per_day_channel"] == [
        {"day": "2026-01-05", "channel": "website", "count": 1},
        {"day": "2026-01-07", "channel": "website", "count": 1},
    ]
    assert figures(Filters(include_demo=False))["lookups"][0] == {
        "agency": "ed_fsa",
        "outcome": "locked",
        "count": 1,
    }
    assert survey()["respondents"] == 1
    assert {r["question_id"] for r in quarterly_rows()} >= {"trust", "ease"}
    assert delete_demo_data()["conversations"] == 1
    with engine_for(own_postgres).connect() as conn:
        senders = set(conn.scalars(select(EVENTS.c.sender_id).distinct()))
    assert not [s for s in senders if s.startswith("demo-")]
