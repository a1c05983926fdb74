"""The studio inbox, read from real tracker stores written by Rasa's own store classes."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy import select

from bot.db import session_scope
from bot.privacy import IDENTITY_ANSWER
from bot.redis_clients import redis_kwargs
from bot.settings import get_settings
from bot.studio.checks import normalize
from bot.studio.inbox import (
    InboxMessage,
    StudioInboxDecision,
    collect,
    conversation_hash,
    decide,
    group,
    message_key,
    pending,
)
from tests.bot.insights.conftest import product_url  # noqa: F401 (a fixture)
from tests.bot.insights.conversations import (
    D1,
    D2,
    D3,
    Event,
    bot,
    save_to_rasa_store,
    session_start,
    user,
)
from tests.bot.insights.test_tracker_source import TEST_REDIS_DB

THRESHOLD = 0.6  # CX_STUDIO_INBOX_CONFIDENCE's default
SSN_MESSAGE = "my ssn is 123.45.6789 and I want my refund"


def said(
    ts: float,
    text: str,
    *ranking: tuple[str, float],
    fallback: bool = False,
    channel: str = "website",
) -> Event:
    """A user event as Rasa stores it: the model's ranking, with nlu_fallback put first when
    the FallbackClassifier (config.yml: threshold 0.4) gave up on the message."""
    event = user(ts, text, ranking[0][0], channel)
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    if fallback:
        intents.insert(0, {"name": "nlu_fallback", "confidence": 0.4})
    event["parse_data"].update(intent=intents[0], intent_ranking=intents)
    return event


def conversations(run: str = "") -> dict[str, list[Event]]:
    return {
        f"c-web-1{run}": [
            *session_start(D1),
            said(D1 + 10, "where's my passport?", ("status_passport", 0.35), fallback=True),
            said(D1 + 20, "where is my passport", ("status_passport", 0.97)),  # understood
            said(D1 + 30, SSN_MESSAGE, ("status_irs_refund", 0.55), ("inform", 0.3)),
            said(D1 + 40, IDENTITY_ANSWER, ("inform", 0.2)),  # replaced by bot.privacy
            said(D1 + 50, "/survey_skip", ("survey_skip", 0.1)),  # a button, not typed
            bot(D1 + 60, "I'm sorry, I didn't understand."),
            # A passport lookup: its answers are identity details whatever they look like.
            {"event": "active_loop", "timestamp": D1 + 70, "name": "passport_form"},
            said(D1 + 80, "Rivera", ("inform", 0.3)),
            {"event": "active_loop", "timestamp": D1 + 90, "name": None},
        ],
        f"c-web-2{run}": [
            said(D2, "Where is my passport??", ("status_passport", 0.38), fallback=True),
            said(
                D2 + 10,
                "wheres my pasport",
                ("le_travel", 0.33),
                ("status_passport", 0.31),
                fallback=True,
            ),
            said(D2 + 20, "blorp", ("greet", 0.2), fallback=True),
        ],
        f"c-web-3{run}": [
            said(D2 + 30, "where is my passport", ("status_passport", 0.39), fallback=True),
        ],
        f"demo-inbox{run}": [  # demo conversations count
            said(D3, "has my passport been mailed yet", ("status_passport", 0.5)),
        ],
        f"studio-try{run}": [  # staff trying a draft in the studio: never in the inbox
            said(D3 + 5, "where is my passport", ("status_passport", 0.2), fallback=True),
        ],
        f"c-rest{run}": [
            said(D3 + 20, "where is my tax refund", ("status_irs_refund", 0.45), channel="rest"),
        ],
    }


NEWEST_FIRST = [
    "where is my tax refund",
    "has my passport been mailed yet",
    "where is my passport",
    "blorp",
    "wheres my pasport",
    "Where is my passport??",
    "my ssn is ***-**-**** and I want my refund",
    "where's my passport?",
]


@pytest.fixture
def sql_tracker(product_url: str) -> str:  # noqa: F811
    """The conversations in the SQL tracker store the settings select (SQLite in tmp_path)."""
    url = get_settings().tracker_database_url
    save_to_rasa_store(SQLTrackerStore(Domain.empty(), host=url), conversations())
    return url


def texts(messages: list[InboxMessage]) -> list[str]:
    return [m.text for m in messages]


def test_messages_not_understood_newest_first(sql_tracker: str) -> None:
    messages = collect(get_settings(), threshold=THRESHOLD)
    assert texts(messages) == NEWEST_FIRST
    fallback = messages[-1]
    assert (fallback.intent, fallback.confidence) == ("nlu_fallback", 0.4)
    assert (fallback.suggestion, fallback.suggestion_confidence) == ("status_passport", 0.35)
    assert fallback.timestamp == datetime.fromtimestamp(D1 + 10, timezone.utc)
    low = messages[0]
    assert (low.intent, low.confidence, low.suggestion) == (
        "status_irs_refund",
        0.45,
        "status_irs_refund",
    )
    assert (low.channel, fallback.channel) == ("rest", "website")


def test_an_ssn_comes_out_masked_and_no_conversation_id_leaves(sql_tracker: str) -> None:
    messages = collect(get_settings(), threshold=THRESHOLD)
    assert "my ssn is ***-**-**** and I want my refund" in texts(messages)
    shown = repr(messages)
    assert "123.45" not in shown and "6789" not in shown and "Rivera" not in shown
    for sender in conversations():
        assert sender not in shown
    by_text = {m.text: m.conversation for m in messages}
    assert by_text["blorp"] == by_text["wheres my pasport"] == conversation_hash("c-web-2")
    assert by_text["blorp"] != by_text["where's my passport?"]


def test_the_key_is_the_hash_of_the_masked_text(sql_tracker: str) -> None:
    messages = {m.text: m for m in collect(get_settings(), threshold=THRESHOLD)}
    masked = "my ssn is ***-**-**** and I want my refund"
    assert messages[masked].key == hashlib.sha256(normalize(masked).encode()).hexdigest()
    # The same words in two conversations: one key, one decision.
    assert messages["Where is my passport??"].key == messages["where is my passport"].key
    assert messages["where's my passport?"].key != messages["where is my passport"].key


def test_since_threshold_and_limit(sql_tracker: str) -> None:
    settings = get_settings()
    since = datetime.fromtimestamp(D2 + 10, timezone.utc)
    assert texts(collect(settings, since, THRESHOLD)) == NEWEST_FIRST[:4]
    assert texts(collect(settings, since.replace(tzinfo=None), THRESHOLD)) == NEWEST_FIRST[:4]
    assert texts(collect(settings, threshold=THRESHOLD, limit=2)) == NEWEST_FIRST[:2]
    # A lower bar: only the fallbacks and the least sure guesses.
    assert "has my passport been mailed yet" not in texts(collect(settings, threshold=0.45))
    assert "where is my tax refund" not in texts(collect(settings, threshold=0.45))
    assert texts(collect(settings, since=datetime(2030, 1, 1), threshold=THRESHOLD)) == []


def test_paraphrases_are_grouped(sql_tracker: str) -> None:
    groups = group(collect(get_settings(), threshold=THRESHOLD))
    passport = groups[0]
    assert passport.count == 4
    assert sorted(texts(list(passport.members))) == sorted(
        [
            "where is my passport",
            "Where is my passport??",
            "where's my passport?",
            "wheres my pasport",
        ]
    )
    assert passport.text == "where is my passport"  # the most frequent wording, newest
    assert passport.suggestion == "status_passport"  # 3 of 4 leaned to it
    assert len(passport.keys) == 3
    rest = sorted((g.text, g.count) for g in groups[1:])
    assert rest == [
        ("blorp", 1),
        ("has my passport been mailed yet", 1),
        ("my ssn is ***-**-**** and I want my refund", 1),
        ("where is my tax refund", 1),
    ]


def test_decided_messages_leave_the_inbox(sql_tracker: str, product_url: str) -> None:  # noqa: F811
    messages = collect(get_settings(), threshold=THRESHOLD)
    key = {m.text: m.key for m in messages}
    decision = decide(
        product_url, key["where is my passport"], "assigned", "status_passport", "editor1"
    )
    assert (decision.decision, decision.intent, decision.decided_by) == (
        "assigned",
        "status_passport",
        "editor1",
    )
    decide(product_url, key["blorp"], "dismissed", None, "editor2")
    left = texts(pending(messages, product_url))
    assert left == [
        t
        for t in NEWEST_FIRST
        if t not in {"where is my passport", "Where is my passport??", "blorp"}
    ]

    # A second decision on the same words replaces the first (one row per key).
    decide(product_url, key["blorp"], "assigned", "greet", "editor3")
    with session_scope(product_url) as session:
        rows = session.scalars(select(StudioInboxDecision).order_by(StudioInboxDecision.id)).all()
    assert [(r.decision, r.intent, r.decided_by) for r in rows] == [
        ("assigned", "status_passport", "editor1"),
        ("assigned", "greet", "editor3"),
    ]
    assert texts(pending(messages, product_url)) == left
    assert pending([], product_url) == []


@pytest.mark.parametrize(
    ("decision", "intent", "words"),
    [
        ("assigned", None, "Choose the intent"),
        ("dismissed", "greet", "belongs to no intent"),
        ("deleted", None, "assigned or dismissed"),
    ],
)
def test_a_wrong_decision_is_refused(
    product_url: str,  # noqa: F811
    decision: str,
    intent: str | None,
    words: str,
) -> None:
    with pytest.raises(ValueError, match=words):
        decide(product_url, message_key("blorp"), decision, intent, "editor1")


@pytest.fixture
def redis_tracker(
    redis_url: str,
    product_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """The conversations under unique ids in the insights tests' Redis database, REDIS_URL
    pointing at it; every key written is removed afterwards. Gives the ids' suffix."""
    url = urlunsplit(urlsplit(redis_url)._replace(path=f"/{TEST_REDIS_DB}"))
    monkeypatch.setenv("REDIS_URL", url)
    get_settings.cache_clear()
    run = f"-{uuid.uuid4().hex[:8]}"
    written = conversations(run)
    store = RedisTrackerStore(Domain.empty(), key_prefix="cx", **redis_kwargs(url))
    client = redis.Redis(**{k: v for k, v in redis_kwargs(url).items() if k != "use_ssl"})
    try:
        save_to_rasa_store(store, written)
        yield run
    finally:
        for sender in written:
            client.delete(f"cx:tracker:{sender}")


@pytest.mark.integration
def test_the_redis_store_gives_the_same_inbox(redis_tracker: str, product_url: str) -> None:  # noqa: F811
    run = redis_tracker
    ours = {conversation_hash(sender) for sender in conversations(run)}
    # The database is shared with other tests' conversations: keep only this run's.
    messages = [m for m in collect(threshold=THRESHOLD, limit=100_000) if m.conversation in ours]
    assert texts(messages) == NEWEST_FIRST
    assert conversation_hash(f"studio-try{run}") not in {m.conversation for m in messages}
    assert "123-45" not in repr(messages) and run not in repr(messages)
    decide(None, messages[0].key, "dismissed", None, "editor1")
    assert texts(pending(messages)) == NEWEST_FIRST[1:]
