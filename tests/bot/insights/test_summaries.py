"""Conversation summaries: what each conversation reduces to, and the incremental refresh."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy import func, select

from bot.db import session_scope
from bot.insights.models import ConversationSummary
from bot.insights.summaries import refresh_summaries, summarize, upsert_summaries
from bot.settings import get_settings
from tests.bot.insights.conversations import (
    D1,
    D2,
    D3,
    bot,
    conversations,
    save_to_rasa_store,
    slot,
    user,
)


def _naive(ts: float) -> datetime:
    return datetime(1970, 1, 1) + timedelta(seconds=ts)


def _summary(conversation_id: str) -> ConversationSummary:
    summary = summarize(conversation_id, conversations()[conversation_id])
    assert summary is not None
    return summary


def test_a_conversation_with_lookup_services_and_survey() -> None:
    s = _summary("c-retire")
    assert s.conversation_id == "c-retire"
    assert s.channel == "website"
    assert s.started_at == _naive(D1)  # the session start, before the first message
    assert s.ended_at == s.last_event_at == _naive(D1 + 360)
    assert s.life_experiences == ["retirement"]
    assert s.services == ["ssa_retirement_benefits", "cms_medicare_enrollment"]
    assert s.lookups == [{"lookup": "ssa_application", "agency": "ssa", "outcome": "found"}]
    assert (s.handoff, s.fallbacks, s.user_messages) == (False, 0, 4)
    assert s.survey_offered is True
    assert s.is_demo is False


def test_every_lookup_attempt_handoff_and_fallback_count() -> None:
    s = _summary("c-loans")
    assert s.channel == "rest"
    assert [(x["agency"], x["outcome"]) for x in s.lookups] == [
        ("ed_fsa", "no_match"),
        ("ed_fsa", "no_match"),
        ("ed_fsa", "locked"),
    ]
    assert {x["lookup"] for x in s.lookups} == {"student_loans"}
    assert (s.handoff, s.fallbacks, s.user_messages) == (True, 1, 6)
    assert s.services == []


def test_asking_counts_as_offered_and_fallbacks_add_up() -> None:
    s = _summary("c-travel")
    assert (s.fallbacks, s.user_messages, s.survey_offered) == (2, 5, True)
    assert s.lookups == [{"lookup": "passport", "agency": "state", "outcome": "outage"}]


def test_slots_carried_into_a_new_session_are_not_counted_again() -> None:
    s = _summary("c-resumed")
    assert s.lookups == [{"lookup": "va_claim", "agency": "va", "outcome": "found"}]
    assert s.life_experiences == ["military_transition", "disability"]
    assert s.services == ["va_disability_compensation", "ssa_ssdi"]
    assert s.user_messages == 3
    assert s.ended_at - s.started_at == timedelta(minutes=4)


def test_demo_conversations_are_flagged_by_their_id() -> None:
    assert _summary("demo-c1").is_demo is True


def test_no_user_message_means_no_conversation() -> None:
    assert summarize("c-empty", conversations()["c-empty"]) is None
    assert summarize("nothing", []) is None


def test_odd_events_do_not_break_a_summary() -> None:
    events = [
        {"event": "user", "timestamp": D1, "text": "hi"},  # no parse data, no channel
        slot(D1 + 1, "lookup_outcome", "outage"),  # no lookup named before it
        slot(D1 + 2, "life_experience", None),
        slot(D1 + 3, "services_shown", None),
        {"event": "bot"},  # no timestamp
    ]
    s = summarize("odd", events)
    assert s is not None
    assert s.channel == "unknown"
    assert s.lookups == [{"lookup": None, "agency": None, "outcome": "outage"}]
    assert (s.life_experiences, s.services, s.user_messages) == ([], [], 1)


def _rows(url: str) -> dict[str, ConversationSummary]:
    with session_scope(url) as session:
        return {s.conversation_id: s for s in session.scalars(select(ConversationSummary))}


@pytest.fixture
def tracker_store(product_url: str) -> SQLTrackerStore:
    store = SQLTrackerStore(Domain.empty(), host=get_settings().tracker_database_url)
    save_to_rasa_store(store, conversations())
    return store


def test_first_refresh_summarizes_every_conversation(
    product_url: str, tracker_store: SQLTrackerStore
) -> None:
    assert refresh_summaries() == 5
    rows = _rows(product_url)
    assert set(rows) == {"c-retire", "c-loans", "c-travel", "demo-c1", "c-resumed"}
    assert rows["c-loans"].lookups == _summary("c-loans").lookups
    assert rows["demo-c1"].is_demo


def test_refresh_is_incremental_and_updates_in_place(
    product_url: str, tracker_store: SQLTrackerStore
) -> None:
    refresh_summaries()
    # Nothing new: only the newest conversation, inside the overlap window, is read again.
    assert refresh_summaries() == 1
    later = D3 + 86400
    events = conversations()["c-travel"]
    save_to_rasa_store(
        tracker_store,
        {"c-travel": [*events, user(later, "thanks", "thank"), bot(later + 5, "Bye")]},
    )
    assert refresh_summaries() == 2  # the changed one, and the newest before it
    rows = _rows(product_url)
    assert len(rows) == 5
    assert rows["c-travel"].user_messages == 6
    assert rows["c-travel"].last_event_at == _naive(later + 5)
    assert rows["c-travel"].started_at == _naive(D2)


def test_full_refresh_rereads_everything(product_url: str, tracker_store: SQLTrackerStore) -> None:
    refresh_summaries()
    assert refresh_summaries(full=True) == 5
    assert len(_rows(product_url)) == 5


def test_two_refreshes_at_once_leave_one_row_per_conversation(
    product_url: str, tracker_store: SQLTrackerStore
) -> None:
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: refresh_summaries(full=True), range(2)))
    assert results == [5, 5]
    with session_scope(product_url) as session:
        assert session.scalar(select(func.count()).select_from(ConversationSummary)) == 5


def test_an_older_summary_never_replaces_a_newer_one(product_url: str) -> None:
    refresh_summaries()  # creates the tables
    events = conversations()["c-travel"]
    newer = summarize("c-travel", [*events, user(D3, "more", "inform")])
    older = summarize("c-travel", events)
    assert newer is not None and older is not None
    upsert_summaries([newer], product_url)
    upsert_summaries([older], product_url)
    assert _rows(product_url)["c-travel"].user_messages == 6


def test_an_empty_store_summarizes_nothing(product_url: str) -> None:
    assert refresh_summaries() == 0
