"""Verifications, wrap-ups and the drafted note of the agent console."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.agent import calls
from bot.agent.console_state import console_state
from bot.agent.dispositions import Disposition, active_dispositions, load_dispositions
from bot.auth.accounts import create_account
from bot.catalog.queries import clear_cache
from bot.catalog.seed import seed_catalog
from bot.settings import get_settings
from tests.bot.insights.conversations import action, bot, slot, user


@pytest.fixture(params=["sqlite", "postgresql"])
def product_url(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> str:
    """The product database on both engines the product supports (PostgreSQL is shared
    by the test session: every test here uses conversation ids of its own)."""
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    if request.param == "postgresql":
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("postgres_url"))
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    return get_settings().product_database_url


@pytest.fixture
def catalog_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A product database of its own with the catalog seeded (for titles in notes)."""
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    clear_cache()
    url = get_settings().product_database_url
    seed_catalog(url)
    yield url
    clear_cache()


def new_call() -> str:
    return f"call-{uuid.uuid4().hex[:12]}"


def call_events(conversation: str = "call-1") -> list[dict]:
    """A retirement call, then a passport lookup that found the case; identifiers typed."""
    return [
        user(100, "I'm retiring, my SSN is 123-45-6789", "le_retirement", "agent_console"),
        slot(101, "life_experience", "retirement"),
        slot(102, "services_shown", ["ssa_retirement", "cms_medicare_enrollment"]),
        bot(103, "Read: Here are the next steps for approaching retirement."),
        user(110, "where is my passport", "status_passport", "agent_console"),
        slot(111, "lookup", "passport"),
        {
            "event": "bot",
            "timestamp": 112,
            "text": None,
            "data": {
                "custom": {
                    "verification": {"lookup": "passport", "agency": "State", "steps": ["a", "b"]}
                }
            },
        },
        bot(113, "Ask the caller: What is the last name on the application?"),
        slot(120, "lookup_outcome", "found"),
        {
            "event": "bot",
            "timestamp": 121,
            "text": None,
            "data": {"custom": {"case": {"lookup": "passport", "status": "in_process"}}},
        },
        {
            "event": "bot",
            "timestamp": 122,
            "text": "Was this helpful?",
            "data": {"buttons": [{"title": "Yes", "payload": "/affirm"}]},
        },
        action(123, "action_listen"),
    ]


def test_dispositions_are_content_with_unique_codes() -> None:
    codes = [d.code for d in load_dispositions()]
    assert {"resolved", "transferred_to_agency", "callback_needed", "caller_hung_up"} <= set(codes)
    assert len(codes) == len(set(codes))
    assert all(d.label for d in active_dispositions())
    with pytest.raises(ValueError, match="lowercase"):
        Disposition(code="Bad Code", label="x")


def test_a_verification_is_recorded_once_per_call_and_lookup(product_url: str) -> None:
    call, other = new_call(), new_call()
    calls.record_verification(call, "passport", "agent.a")
    calls.record_verification(call, "passport", "agent.b")  # a double click
    calls.record_verification(call, "irs_refund", "agent.a")
    calls.record_verification(other, "va_claim", "agent.a")
    assert calls.verified_lookups(call) == ["passport", "irs_refund"]
    assert calls.verified_lookups(new_call()) == []


def test_a_wrapup_needs_a_known_disposition_and_keeps_every_save(product_url: str) -> None:
    call = new_call()
    with pytest.raises(calls.WrapupRefused, match="Choose how the call ended"):
        calls.save_wrapup(call, "agent.a", "", "note")
    with pytest.raises(calls.WrapupRefused, match="Choose how the call ended"):
        calls.save_wrapup(call, "agent.a", "made_up_code", "note")
    with pytest.raises(calls.WrapupRefused, match="keep it under"):
        calls.save_wrapup(call, "agent.a", "resolved", "x" * (calls.MAX_NOTE_CHARS + 1))
    assert calls.wrapups(call) == [], "a refused wrap-up stores nothing"

    first = calls.save_wrapup(call, "agent.a", "callback_needed", "  Call back Monday. ")
    second = calls.save_wrapup(
        call,
        "agent.a",
        "resolved",
        "Caller 123 45 6789 born 1985/03/14, lives at 9 Elm Rd, case EAC2690012345",
    )
    saved = calls.wrapups(call)
    assert [w.disposition for w in saved] == ["callback_needed", "resolved"]
    assert saved[0].note == "Call back Monday." == first.note
    assert saved[1] == second
    assert "6789" not in second.note and "123 45" not in second.note, "identifiers masked"
    assert "1985" not in second.note and "EAC2690012345" not in second.note
    assert "Elm" not in second.note
    assert isinstance(second.created_at, datetime)


def test_the_drafted_note_says_what_happened_without_identifiers(catalog_url: str) -> None:
    note = calls.draft_note("call-1", call_events(), ["passport"])
    assert "123-45-6789" not in note and "***-**-****" in note
    assert "Life experience: Approaching retirement." in note
    assert "Services offered:" in note
    assert "Status lookup (Check your passport status): status given." in note
    assert "Caller verified for: U.S. Department of State." in note
    assert "STATE" not in note and "passport." not in note, "no internal ids in the note"
    assert calls.draft_note("call-2", []) == "Caller did not get past the greeting."


def test_the_console_state_is_rebuilt_from_the_events(catalog_url: str) -> None:
    wrapup = calls.save_wrapup("call-1", "agent.a", "resolved", "Done.")
    state = console_state("call-1", call_events(), ["passport"], [wrapup])
    assert [m["sender"] for m in state["transcript"]] == ["user", "bot", "user", "bot", "bot"]
    assert [m["text"] for m in state["script"]] == [
        "Ask the caller: What is the last name on the application?",
        "Was this helpful?",
    ]
    assert state["script"][-1]["buttons"] == [{"title": "Yes", "payload": "/affirm"}]
    assert state["verification"] == {
        "lookup": "passport",
        "agency": "State",
        "steps": ["a", "b"],
        "done": True,
    }
    assert state["case"] == {"lookup": "passport", "status": "in_process"}
    assert "slots" not in state, "slot values are ids: the agent reads the facts in words"
    assert state["facts"] == {
        "lifeExperience": "Approaching retirement",
        "lookup": "Check your passport status",
        "lookupOutcome": "status given",
        "verifiedFor": ["U.S. Department of State"],
    }
    assert state["wrapups"][0]["disposition"] == "resolved"
    assert state["wrapups"][0]["agentName"] == "agent.a", "a gone account: its username"
    create_account("agent.a", "correct horse battery staple", ["agent"], "Ana Lopez")
    named = console_state("call-1", call_events(), ["passport"], [wrapup])
    assert named["wrapups"][0]["agentName"] == "Ana Lopez"
    assert state["wrapups"][0]["created_at"].endswith("Z")
    unverified = console_state("call-1", call_events(), [], [])
    assert "done" not in unverified["verification"]
