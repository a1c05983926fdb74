"""A message with a lone surrogate already stored (as older versions stored one, before
the channels refused it) takes no page down: the studio inbox, the conversation's
history, the handoff queue and the insights export all load, showing U+FFFD.

The bad row is written straight into the stores, in the bytes Rasa writes: its SQL
tracker store and its Redis one keep events as `json.dumps` text, which spells the
surrogate "\\ud800"."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import responses
from fastapi.testclient import TestClient
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy import insert

from bot.agent.calls import chat_summary
from bot.db import engine_for
from bot.handoff import queue_for
from bot.insights.summaries import refresh_summaries
from bot.insights.tracker_source import EVENTS, REDIS_KEY_PREFIX
from bot.redis_clients import redis_kwargs
from bot.settings import get_settings
from tests.bot.insights.conversations import D1, bot, session_start, user
from tests.bot.insights.test_tracker_source import TEST_REDIS_DB
from tests.bot.web.test_studio import HTML

BAD_TEXT = "\ud800 where is my refund"  # not understood, so it lands in the inbox
SHOWN = "\ufffd where is my refund"


def not_understood(ts: float) -> dict:
    event = user(ts, BAD_TEXT, "nlu_fallback")
    event["parse_data"]["intent"]["confidence"] = 0.3
    return event


def events() -> list[dict]:
    return [
        *session_start(D1),
        not_understood(D1 + 5),  # the first thing asked: the handoff summary quotes it
        bot(D1 + 6, "Sorry, I didn't understand."),
        user(D1 + 10, "I'm retiring next year", "le_retirement"),
        bot(D1 + 11, "Are you a federal employee?"),
    ]


def store_in_sql(conversation: str) -> None:
    """Rows of the `events` table Rasa's SQLTrackerStore makes, as it writes them."""
    url = get_settings().tracker_database_url
    SQLTrackerStore(Domain.empty(), host=url)  # creates the table
    with engine_for(url).begin() as conn:
        for event in events():
            conn.execute(
                insert(EVENTS).values(
                    sender_id=conversation,
                    type_name=event["event"],
                    timestamp=event["timestamp"],
                    data=json.dumps(event),
                )
            )


@pytest.fixture
def redis_store(
    redis_url: str, web_env: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[redis.Redis, str]]:
    """REDIS_URL at the insights tests' database; the keys written are removed after."""
    url = urlunsplit(urlsplit(redis_url)._replace(path=f"/{TEST_REDIS_DB}"))
    monkeypatch.setenv("REDIS_URL", url)
    get_settings.cache_clear()
    client = redis.Redis(**{k: v for k, v in redis_kwargs(url).items() if k != "use_ssl"})
    conversation = f"bad{uuid.uuid4().hex[:12]}"
    try:
        yield client, conversation
    finally:
        client.delete(f"{REDIS_KEY_PREFIX}{conversation}")
        queue_for(get_settings()).leave(conversation)


def store_in_redis(client: redis.Redis, conversation: str) -> None:
    tracker = {"sender_id": conversation, "events": events()}
    client.set(f"{REDIS_KEY_PREFIX}{conversation}", json.dumps(tracker))


def rasa_serves_the_tracker(conversation: str) -> None:
    """Rasa's HTTP API answers with the stored events (ujson spells the surrogate too)."""
    body = json.dumps({"sender_id": conversation, "events": events(), "slots": {}})
    rasa = get_settings().rasa_url
    responses.get(f"{rasa}/conversations/{conversation}/tracker", body=body)


def load_every_reader(staff_client: TestClient, conversation: str) -> None:
    inbox = staff_client.get("/studio/inbox", headers=HTML)
    assert inbox.status_code == 200, inbox.text[:300]
    assert SHOWN in inbox.text

    rasa_serves_the_tracker(conversation)
    history = staff_client.get(f"/api/chat/history/{conversation}")
    assert history.status_code == 200, history.text[:300]
    assert SHOWN in [m["text"] for m in history.json()["messages"]]

    # The person asks for an agent (actions/conversation.py): summary, then the line.
    queue_for(get_settings()).join(conversation, "website", chat_summary(conversation, events()))
    waiting = staff_client.get("/api/agent/queue")
    assert waiting.status_code == 200, waiting.text[:300]
    summaries = {w["conversationId"]: w["summary"] for w in waiting.json()["waiting"]}
    assert SHOWN in summaries[conversation]
    call = staff_client.get(f"/api/agent/calls/{conversation}")
    assert call.status_code == 200, call.text[:300]

    refresh_summaries()
    for path in ("/insights", "/api/insights/quarterly.csv", "/api/insights/figures"):
        page = staff_client.get(path, headers=HTML)
        assert page.status_code == 200, (path, page.text[:300])


@responses.activate
def test_a_bad_row_in_the_sql_tracker_store_takes_no_page_down(staff_client: TestClient) -> None:
    conversation = "a1b2c3d4e5f60718"
    store_in_sql(conversation)
    load_every_reader(staff_client, conversation)


@pytest.mark.integration
@responses.activate
def test_a_bad_row_in_the_redis_tracker_store_takes_no_page_down(
    staff_client: TestClient, redis_store: tuple[redis.Redis, str]
) -> None:
    redis_client, conversation = redis_store
    store_in_redis(redis_client, conversation)
    load_every_reader(staff_client, conversation)
