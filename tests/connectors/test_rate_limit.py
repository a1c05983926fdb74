"""Per-conversation and per-address budgets, in memory and shared through real Redis."""

from __future__ import annotations

import uuid

import pytest

from connectors.rate_limit import WINDOW_SECONDS, RateLimiter
from connectors.rest import RestInput
from connectors.website import WebsiteInput

NOW = 1_800_000_000.0  # the start of a window: 1_800_000_000 is a multiple of 60


def test_a_conversation_over_its_budget_is_told_to_wait_until_the_window_ends() -> None:
    limiter = RateLimiter(per_sender=3, per_address=100)
    verdicts = [limiter.check("alice", "10.0.0.1", now=NOW + 15) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].limited_by == "sender"
    assert verdicts[-1].retry_after == WINDOW_SECONDS - 15
    assert limiter.check("bob", "10.0.0.1", now=NOW + 15).allowed, "others are not punished"
    assert limiter.check("alice", "10.0.0.1", now=NOW + WINDOW_SECONDS).allowed, "new window"


def test_many_conversations_from_one_address_share_its_budget() -> None:
    limiter = RateLimiter(per_sender=100, per_address=5)
    allowed = [limiter.check(f"sender-{i}", "10.0.0.2", now=NOW).allowed for i in range(6)]
    assert allowed == [True] * 5 + [False]
    last = limiter.check("sender-x", "10.0.0.2", now=NOW)
    assert last.limited_by == "address"
    assert limiter.check("sender-y", "10.0.0.3", now=NOW).allowed


@pytest.mark.integration
def test_replicas_count_against_one_budget_in_redis(redis_url: str) -> None:
    """Two limiters (two Rasa replicas) on one Redis: a flood split between them is
    still one flood."""
    replicas = [RateLimiter(4, 1000, redis_url), RateLimiter(4, 1000, redis_url)]
    sender, address = f"flood-{uuid.uuid4().hex}", f"test-{uuid.uuid4().hex}"
    allowed = [replicas[i % 2].check(sender, address).allowed for i in range(6)]
    assert allowed == [True] * 4 + [False] * 2


def test_every_channel_counts_against_one_budget_per_address_without_redis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 22: with Redis off, REST and socket.io each had their own in-memory counts,
    so one address had a budget per channel."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("CX_RATE_PER_IP", "4")
    channels = [RestInput(), WebsiteInput()]
    address = f"test-{uuid.uuid4().hex}"
    allowed = [channels[i % 2].guard.limiter.check(f"s{i}", address).allowed for i in range(6)]
    assert allowed == [True] * 4 + [False] * 2
