"""Agency clients against scripted HTTP answers: every failure becomes an honest result."""

from __future__ import annotations

import logging
from datetime import date

import pybreaker
import pytest
import requests
import responses

from actions.clients import CLIENTS
from actions.clients.base import BREAKER_FAIL_MAX, CaseStatus, ResultCache
from actions.clients.state import PassportClient
from bot.settings import Settings

BASE = "http://agency.test"
URL = f"{BASE}/state/passport/v1/application-status"
RIVERA = {"last_name": "Rivera", "date_of_birth": "1985-03-14", "ssn_last4": "4821"}
BODY = {
    "lastName": "Rivera",
    "dateOfBirth": "1985-03-14",
    "status": "In Process",
    "applicationReceivedDate": "2026-10-02",
    "lastUpdated": "2026-10-09",
}


@pytest.fixture
def client() -> PassportClient:
    cache = ResultCache(Settings(redis_url=None, agency_cache_ttl_seconds=60), "secret")
    return PassportClient(BASE, "key-1", timeout=0.5, result_cache=cache)


@responses.activate
def test_found_reads_status_dates_and_facts(client: PassportClient) -> None:
    responses.post(URL, json=BODY)
    result = client.lookup(**RIVERA)
    assert result.outcome == "found"
    assert result.status == CaseStatus(
        "passport",
        "state",
        "in_process",
        date(2026, 10, 9),
        {"Application received": "October 2, 2026"},
        [],
    )
    sent = responses.calls[0].request
    assert sent.headers["X-Api-Key"] == "key-1"
    assert sent.headers["X-Request-Id"] == result.request_id


@responses.activate
def test_not_found_is_a_no_match(client: PassportClient) -> None:
    responses.post(URL, status=404, json={"detail": "No record matches the details given."})
    assert client.lookup(**RIVERA).outcome == "no_match"


@pytest.mark.parametrize("asked", ["Pena", "PEÑA", "peña"])
@responses.activate
def test_the_agencys_spelling_of_a_name_is_the_same_person(
    client: PassportClient, asked: str
) -> None:
    responses.post(URL, json={**BODY, "lastName": "Peña"})
    result = client.lookup(**{**RIVERA, "last_name": asked})
    assert (result.outcome, result.reason) == ("found", "")


@pytest.mark.parametrize(
    "reply, reason",
    [
        ({"status": 401, "json": {"detail": "Unknown API key."}}, "http 401"),
        ({"status": 500, "json": {"detail": "boom"}}, "http 500"),
        ({"body": '{"status": "In Pro', "content_type": "application/json"}, "malformed body"),
        ({"json": {**BODY, "status": "Lost In Space"}}, "malformed body: KeyError"),
        ({"json": {**BODY, "lastName": "Nguyen"}}, "record for another person"),
        ({"body": requests.ConnectTimeout()}, "timeout"),
        ({"body": requests.ConnectionError()}, "connection failed: ConnectionError"),
    ],
)
@responses.activate
def test_failures_are_unavailable_with_a_reason(
    client: PassportClient, reply: dict, reason: str
) -> None:
    responses.post(URL, **reply)
    result = client.lookup(**RIVERA)
    assert (result.outcome, result.status, result.reason) == ("unavailable", None, reason)


@responses.activate
def test_503_is_retried_honouring_retry_after_then_succeeds(client: PassportClient) -> None:
    responses.post(URL, status=503, headers={"Retry-After": "0"}, json={"detail": "busy"})
    responses.post(URL, json=BODY)
    assert client.lookup(**RIVERA).outcome == "found"
    assert len(responses.calls) == 2


@responses.activate
def test_a_read_timeout_is_not_retried(client: PassportClient) -> None:
    responses.post(URL, body=requests.ReadTimeout())
    assert client.lookup(**RIVERA).reason == "timeout"
    assert len(responses.calls) == 1


@responses.activate
def test_breaker_opens_after_repeated_failures_and_closes_later(client: PassportClient) -> None:
    responses.post(URL, status=500, json={"detail": "down"})
    for _ in range(BREAKER_FAIL_MAX - 1):
        assert client.lookup(**RIVERA).reason == "http 500"
    assert client.lookup(**RIVERA).reason == "circuit open", "the last failure trips it"
    calls = len(responses.calls)
    assert client.lookup(**RIVERA).reason == "circuit open"
    assert len(responses.calls) == calls, "an open breaker does not call the agency"

    client.breaker.half_open()  # what the reset timeout does after BREAKER_RESET_SECONDS
    responses.replace(responses.POST, URL, json=BODY)
    assert client.lookup(**RIVERA).outcome == "found"
    assert client.breaker.current_state == pybreaker.STATE_CLOSED


@responses.activate
def test_no_match_does_not_trip_the_breaker(client: PassportClient) -> None:
    responses.post(URL, status=404, json={"detail": "none"})
    for _ in range(BREAKER_FAIL_MAX + 2):
        assert client.lookup(**RIVERA).outcome == "no_match"


@responses.activate
def test_a_cached_answer_does_not_call_the_agency(client: PassportClient) -> None:
    responses.post(URL, json=BODY)
    first = client.lookup(**RIVERA)
    second = client.lookup(**{**RIVERA, "last_name": "RIVERA"})
    assert second.status == first.status
    assert second.reason == "cache"
    assert len(responses.calls) == 1
    assert client.lookup(**{**RIVERA, "ssn_last4": "0000"}) is not None
    assert len(responses.calls) == 2, "different details are a different key"


def test_cache_key_holds_no_plain_identifier(client: PassportClient) -> None:
    key = client.cache.key("passport", RIVERA)
    for value in RIVERA.values():
        assert value.lower() not in key.lower()
    assert key != ResultCache(Settings(), "other-secret").key("passport", RIVERA), "keyed hash"


@responses.activate
def test_logs_name_the_request_but_never_the_identity(
    client: PassportClient, caplog: pytest.LogCaptureFixture
) -> None:
    responses.post(URL, status=404, json={"detail": "none"})
    with caplog.at_level(logging.INFO):
        result = client.lookup(**RIVERA)
    assert result.request_id in caplog.text
    assert "Rivera" not in caplog.text and "4821" not in caplog.text and "1985" not in caplog.text


def test_every_lookup_has_a_client() -> None:
    from actions.clients.content import all_lookups

    assert set(CLIENTS) == set(all_lookups())
