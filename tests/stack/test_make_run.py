"""`make run` end to end: the stack started exactly as a user starts it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
import requests

from bot.settings import REPO_ROOT
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


def test_rest_webhook_answers_a_greeting(stack: Stack) -> None:
    replies = stack.say("hello")
    assert replies, "the REST webhook answered with no messages"
    assert "CX Navigator" in replies[0]["text"]


def test_capabilities_come_from_the_catalog_through_the_action_server(stack: Stack) -> None:
    replies = stack.say("what can you do?")
    buttons = [b["title"] for r in replies for b in r.get("buttons", [])]
    assert "Approaching retirement" in buttons


@pytest.mark.parametrize(
    "service, path",
    [
        ("rasa", "/"),
        ("actions", "/health"),
        ("web", "/health"),
        ("agencies", "/health"),
    ],
)
def test_every_service_has_a_health_endpoint(stack: Stack, service: str, path: str) -> None:
    assert requests.get(stack.url(service, path), timeout=10).status_code == 200


def test_http_api_is_never_open(stack: Stack) -> None:
    assert requests.get(stack.url("rasa", "/status"), timeout=10).status_code == 401
    wrong = requests.get(stack.url("rasa", "/status"), params={"token": "nope"}, timeout=10)
    assert wrong.status_code == 401
    right = requests.get(stack.url("rasa", "/status"), params={"token": stack.token}, timeout=10)
    assert right.status_code == 200
    assert right.json()["model_file"].startswith("cx-")


def test_conversations_are_kept_in_the_embedded_sqlite_tracker_store(stack: Stack) -> None:
    stack.say("hi there", sender="sqlite-check")
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        texts = [
            row[0]
            for row in db.execute(
                "SELECT json_extract(data, '$.text') FROM events "
                "WHERE sender_id = 'sqlite-check' AND type_name = 'user'"
            )
        ]
    assert texts == ["hi there"]


def test_web_app_lists_life_experiences_from_the_catalog(stack: Stack) -> None:
    page = requests.get(stack.url("web"), timeout=10)
    assert page.status_code == 200
    assert "Approaching retirement" in page.text


def test_a_second_start_skips_training(stack: Stack) -> None:
    before = sorted(p.name for p in (REPO_ROOT / "models").glob("cx-*.tar.gz"))
    result = subprocess.run(
        [sys.executable, "-m", "bot.training"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "training skipped" in result.stderr
    assert result.stdout.strip().endswith(".tar.gz")
    assert sorted(p.name for p in (REPO_ROOT / "models").glob("cx-*.tar.gz")) == before
