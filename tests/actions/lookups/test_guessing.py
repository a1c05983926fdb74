"""Guessing a birth date across fresh conversations and channels never finds it.

Issue 22: the three-miss lock lived in the conversation, so new conversation ids (or
"start over", /restart) gave a stranger fresh guesses: 186 guesses in 32 seconds found
a demo person's birth date. Here every guess is a new conversation, alternating the
REST and website channels from one address, against the real mock agency, with the
counts in real Redis and, without Redis, in the database.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import vault
from actions.clients import client_for
from actions.clients.base import shared_cache
from actions.lookups.status import ActionLookupStatus
from bot.catalog.queries import clear_cache
from bot.catalog.seed import seed_catalog
from bot.pseudonyms import address_metadata
from bot.settings import get_settings
from tests.conftest import AGENCY_KEY
from tests.support.services import Service

pytestmark = pytest.mark.integration

DOMAIN = {
    "forms": {"passport_form": {"required_slots": ["last_name", "date_of_birth", "ssn_last4"]}}
}
RIVERA_BORN = date(1985, 3, 14)  # the demo record data/agencies/state.yml: Rivera, 4821
CHANNELS = ["rest", "website"]


@pytest.fixture(params=["redis", "database"])
def backend(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    agency_service: Service,
) -> Iterator[str]:
    """The action server's settings, against the real agency service; a secret of its
    own per test, so its counts in the shared Redis are its own."""
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("AGENCIES_BASE_URL", agency_service.url)
    monkeypatch.setenv("AGENCY_API_KEY", AGENCY_KEY)
    monkeypatch.setenv("AGENCY_CACHE_TTL_SECONDS", "0")
    monkeypatch.setenv("CX_ACTIONS_TOKEN", uuid.uuid4().hex)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    if request.param == "redis":
        monkeypatch.setenv("REDIS_URL", request.getfixturevalue("redis_url"))
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    _fresh_caches()
    seed_catalog()
    yield request.param
    _fresh_caches()


def _fresh_caches() -> None:
    for cached in (client_for, shared_cache):
        cached.cache_clear()
    vault.reset_backend()
    clear_cache()


def guess(born: date, address: str, channel: str, last4: str = "4821") -> str:
    """One guess in a brand-new conversation; the response the lookup ended with."""
    identity = {"last_name": "Rivera", "date_of_birth": born.isoformat(), "ssn_last4": last4}
    tracker = Tracker.from_dict(
        {
            "sender_id": uuid.uuid4().hex,
            "slots": {"lookup": "passport", **{k: vault.keep(v) for k, v in identity.items()}},
            "latest_message": {"text": born.isoformat(), "metadata": address_metadata(address)},
            "events": [],
            "latest_input_channel": channel,
        }
    )
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionLookupStatus().run(dispatcher, tracker, DOMAIN))
    responses: list[Any] = [m["response"] for m in dispatcher.messages if m.get("response")]
    return responses[0]


def test_guessing_across_fresh_conversations_and_channels_never_finds_the_date(
    backend: str,
) -> None:
    guesses = [RIVERA_BORN + timedelta(days=d) for d in (1, -1, 2, -2, 0, 0, 3, 0)]
    assert RIVERA_BORN in guesses[3:], "the right date comes after the third miss"
    answers = [guess(born, "203.0.113.7", CHANNELS[i % 2]) for i, born in enumerate(guesses)]
    assert "utter_lookup_status" not in answers, "the birth date was found by guessing"
    assert answers[:2] == ["utter_lookup_no_match"] * 2
    assert answers[2:] == ["utter_lookup_locked"] * (len(guesses) - 2), "same words for all"


def test_another_address_is_locked_out_of_that_case_too(backend: str) -> None:
    for i, days in enumerate((1, 2, 3)):
        guess(RIVERA_BORN + timedelta(days=days), f"198.51.100.{i}", "rest")
    assert guess(RIVERA_BORN, "192.0.2.55", "website") == "utter_lookup_locked"


def test_an_address_that_misses_on_many_cases_is_locked(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CX_LOOKUP_MISSES_PER_ADDRESS", "4")
    get_settings.cache_clear()
    wrong_born = RIVERA_BORN + timedelta(days=1)
    answers = [guess(wrong_born, "203.0.113.9", "rest", f"{n:04d}") for n in range(5)]
    assert answers == ["utter_lookup_no_match"] * 3 + ["utter_lookup_locked"] * 2
    assert guess(RIVERA_BORN, "203.0.113.9", "website") == "utter_lookup_locked"
    assert guess(RIVERA_BORN, "203.0.113.10", "rest") == "utter_lookup_status", "others may"


def test_a_slip_then_the_right_date_is_found_and_forgiven(backend: str) -> None:
    assert guess(RIVERA_BORN + timedelta(days=1), "203.0.113.11", "rest") == "utter_lookup_no_match"
    assert guess(RIVERA_BORN, "203.0.113.11", "rest") == "utter_lookup_status"
    for _ in range(2):
        assert guess(RIVERA_BORN + timedelta(days=1), "203.0.113.11", "rest") == (
            "utter_lookup_no_match"
        ), "the slip before the match no longer counts"
