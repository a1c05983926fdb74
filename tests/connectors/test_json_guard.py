"""Which bodies the Rasa server's guard refuses, and where its size limit applies (the
stack tests in tests/stack/test_malformed_input.py prove it on every route)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.settings import get_settings
from connectors.json_guard import body_limit, json_refusal


def request(method: str, body: bytes, content_type: str = "application/json") -> SimpleNamespace:
    return SimpleNamespace(method=method, body=body, headers={"content-type": content_type})


@pytest.mark.parametrize(
    "method, body, content_type, reason",
    [
        ("POST", b'{"text": "hi"}', "application/json", None),
        ("POST", b'{"text": ', "application/json", "not_json"),
        ("POST", b'{"text": ', "", "not_json"),
        ("PUT", b"\xff\xfe{}", "application/json", "not_json"),
        ("POST", b'{"text": ' + b"[" * 33 + b"]" * 33 + b"}", "application/json", "too_deep"),
        ("POST", b"[" * 100_000 + b"]" * 100_000, "application/json", "too_deep"),
        ("POST", b'{"text": "\\ud800 hi"}', "application/json", "bad_text"),
        ("POST", b'{"\\udfff": "hi"}', "", "bad_text"),
        ("POST", b'{"text": "\\ud83d\\ude00"}', "application/json", None),  # a pair: fine
        ("POST", b"", "application/json", None),
        ("GET", b"{", "application/json", None),
        ("PUT", b"\x1f\x8b binary model", "application/x-tar", None),
        ("POST", b"version: '3.1'\nnlu: [", "application/x-yaml", None),
    ],
)
def test_only_bodies_meant_as_json_that_cannot_be_taken_are_refused(
    method: str, body: bytes, content_type: str, reason: str | None
) -> None:
    refused = json_refusal(request(method, body, content_type))
    assert (refused.reason if refused else None) == reason


@pytest.mark.parametrize(
    "path, limited",
    [
        ("/webhooks/rest/webhook", True),
        ("/webhooks/agent_console/webhook", True),
        ("/socket.io/", True),
        ("/model/parse", True),
        ("/conversations/x/tracker/events", True),
        ("/model", True),
        ("/model/train", False),
        ("/model/test/stories", False),
        ("/model/test/intents", False),
    ],
)
def test_every_route_but_training_and_testing_has_the_size_limit(path: str, limited: bool) -> None:
    assert body_limit(path) == (get_settings().max_body_bytes if limited else None)
