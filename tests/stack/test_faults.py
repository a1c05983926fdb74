"""Faults people meet on a scaled deployment, on the real stack: Redis restarts, the
action server goes away, a sender floods. Each must give a clear answer, lose nothing
and heal without restarting a process (issue 8, "Faults" and "Bad input")."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.support.proxy import TcpProxy
from tests.support.redis_server import RedisServer
from tests.support.stack import Stack, free_port, start_stack, stop_stack

pytestmark = pytest.mark.integration

PER_SENDER_LIMIT = 12
STATE_PASSPORT_PHONE = "1-877-487-2778"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    try:
        server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    except FileNotFoundError:
        pytest.skip("needs redis-server to restart a Redis of its own (apt install redis)")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def actions_proxy() -> Iterator[TcpProxy]:
    proxy = TcpProxy(target_port=free_port())  # aimed at the real port once it is known
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def faulty(
    tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer, actions_proxy: TcpProxy
) -> Iterator[Stack]:
    """A stack on its own Redis, reaching its action server through a cuttable proxy."""
    stack = start_stack(
        tmp_path_factory.mktemp("faulty-var"),
        remove_env=("DATABASE_URL",),
        REDIS_URL=redis_server.url,
        ACTION_SERVER_URL=f"{actions_proxy.url}/webhook",
        CX_RATE_PER_SENDER=str(PER_SENDER_LIMIT),
    )
    actions_proxy.target_port = stack.ports["actions"]
    actions_proxy.start()
    yield stack
    stop_stack(stack)


def post(stack: Stack, sender: str, message: str) -> requests.Response:
    return requests.post(
        stack.url("rasa", "/webhooks/rest/webhook"),
        json={"sender": sender, "message": message},
        timeout=60,
    )


def health(stack: Stack) -> requests.Response:
    return requests.get(stack.url("rasa", "/webhooks/health/"), timeout=10)


def user_texts(stack: Stack, sender: str) -> list[str]:
    return [e["text"] for e in stack.tracker(sender)["events"] if e["event"] == "user"]


def wait_until_healthy(stack: Stack, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while health(stack).status_code != 200:
        assert time.monotonic() < deadline, health(stack).json()
        time.sleep(0.2)


def test_health_reports_the_stores_it_checked(faulty: Stack) -> None:
    response = health(faulty)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"model": "ok", "tracker_store": "ok", "lock_store": "ok"},
    }


def test_a_redis_restart_fails_fast_and_heals_by_itself(
    faulty: Stack, redis_server: RedisServer
) -> None:
    sender = uuid.uuid4().hex
    assert post(faulty, sender, "I'm getting close to retirement").json()

    redis_server.stop()
    try:
        down = health(faulty)
        assert down.status_code == 503
        assert down.json()["status"] == "unhealthy"
        assert down.json()["checks"]["tracker_store"].startswith("unreachable")

        refused = post(faulty, sender, "what about medicare")
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "5"
        body = refused.json()
        assert body["error"] == "unavailable"
        assert "try again in a few minutes" in body["message"]
        assert "1-844-872-4681" in body["message"]  # USAGov: the general line
    finally:
        redis_server.start()

    wait_until_healthy(faulty)
    replies = post(faulty, sender, "what about medicare").json()
    assert replies and all(r.get("text") or r.get("buttons") for r in replies)
    # Nothing was lost, and the refused message was not half-handled.
    assert user_texts(faulty, sender) == [
        "I'm getting close to retirement",
        "what about medicare",
    ]


def test_with_the_action_server_down_the_person_gets_an_apology_with_a_number(
    faulty: Stack, actions_proxy: TcpProxy
) -> None:
    sender = uuid.uuid4().hex
    actions_proxy.stop()
    try:
        replies = post(faulty, sender, "where is my passport").json()
    finally:
        actions_proxy.start()
    said = " ".join(r.get("text", "") for r in replies)
    assert "Sorry, something went wrong on our side" in said
    assert f"call U.S. Department of State at {STATE_PASSPORT_PHONE}" in said

    # Back up: the same conversation carries on with the lookup.
    replies = post(faulty, sender, "where is my passport").json()
    said = " ".join(r.get("text", "") for r in replies)
    assert "last name" in said.lower()
    assert "Sorry" not in said


def test_a_flood_from_one_sender_is_told_to_slow_down(faulty: Stack) -> None:
    sender = uuid.uuid4().hex
    statuses = [post(faulty, sender, "hello").status_code for _ in range(PER_SENDER_LIMIT)]
    assert statuses == [200] * PER_SENDER_LIMIT
    flooded = post(faulty, sender, "hello")
    assert flooded.status_code == 429
    assert 1 <= int(flooded.headers["Retry-After"]) <= 60
    assert "slow down" in flooded.json()["message"]
    # Another person is not affected.
    assert post(faulty, uuid.uuid4().hex, "hello").status_code == 200
    # The refused messages were never handled.
    assert len(user_texts(faulty, sender)) == PER_SENDER_LIMIT
