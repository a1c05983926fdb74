"""The REST webhook on the real stack: every bad body gets a clear 4xx, never a 500 or
a silent `[]`, and odd but valid text is simply answered."""

from __future__ import annotations

import uuid

import pytest
import requests

from bot.pseudonyms import ADDRESS_METADATA_KEY
from connectors.rest import RestInput, read_body
from tests.support.stack import Stack


@pytest.mark.parametrize(
    "body, expected",
    [
        (b'{"sender": "a", "message": "hi"}', {"sender": "a", "message": "hi"}),
        (b"{not json", None),
        (b"\xff\xfe{}", None),
        (b'["a list"]', None),
        (b"", None),
    ],
)
def test_only_a_json_object_is_read(body: bytes, expected: dict | None) -> None:
    assert read_body(body) == expected


def webhook(stack: Stack) -> str:
    return stack.url("rasa", "/webhooks/rest/webhook")


@pytest.mark.integration
@pytest.mark.parametrize(
    "body, error",
    [
        (b"{this is not json", "bad_request"),
        ('{"sender": "a1", "message": "caf\xe9"}'.encode("latin-1"), "bad_request"),
        (b'{"sender": "a1", "message": "\\ud800 my refund"}', "bad_request"),
        (b'{"message": "hello"}', "bad_request"),
        (b'{"sender": "has spaces in it", "message": "hello"}', "bad_request"),
        (b'{"sender": "<script>", "message": "hello"}', "bad_request"),
        (b'{"sender": "abc", "message": 12}', "bad_request"),
        (b'{"sender": "abc"}', "bad_request"),
        (b'{"sender": "abc", "message": "   "}', "empty"),
        (b'{"sender": "abc", "message": "' + b"x" * 100_000 + b'"}', "too_long"),
    ],
    ids=[
        "malformed",
        "invalid-utf8",
        "lone-surrogate",
        "no-sender",
        "sender-spaces",
        "sender-markup",
        "message-number",
        "no-message",
        "blank",
        "100kB",
    ],
)
def test_bad_bodies_get_a_clear_client_error(stack: Stack, body: bytes, error: str) -> None:
    response = requests.post(
        webhook(stack), data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert 400 <= response.status_code < 500
    assert response.json()["error"] == error
    assert response.json()["message"]


@pytest.mark.integration
@pytest.mark.parametrize(
    "text",
    [
        "I need help 🙏🏽 with my passport",
        "أحتاج مساعدة في جواز السفر",
        "<script>alert('x')</script><img src=x onerror=alert(1)>",
        "Robert'); DROP TABLE events;--",
    ],
    ids=["emoji", "right-to-left", "html", "sql"],
)
def test_odd_but_valid_text_is_answered(stack: Stack, text: str) -> None:
    sender = uuid.uuid4().hex
    replies = stack.say(text, sender)
    assert replies and all(r["recipient_id"] == sender for r in replies)
    stored = [e["text"] for e in stack.tracker(sender)["events"] if e["event"] == "user"]
    assert stored == [text]


@pytest.mark.integration
def test_a_client_cannot_choose_its_channel_or_store_metadata(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.say("hello", sender, input_channel="agent_console", metadata={"ssn": "123456789"})
    user = [e for e in stack.tracker(sender)["events"] if e["event"] == "user"][-1]
    assert user["input_channel"] == "rest"
    assert "ssn" not in user["metadata"]


@pytest.mark.integration
def test_the_health_endpoint_answers_for_the_embedded_stores(stack: Stack) -> None:
    response = requests.get(stack.url("rasa", "/webhooks/health/"), timeout=10)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"model": "ok", "tracker_store": "ok"},
    }


def test_the_address_reaches_the_tracker_only_as_a_keyed_hash_a_client_cannot_forge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CX_ACTIONS_TOKEN", "secret-1")
    sent = {"metadata": {"language": "es", ADDRESS_METADATA_KEY: "forged"}}
    metadata = RestInput().metadata(sent, "203.0.113.7")
    assert metadata["language"] == "es"
    assert metadata[ADDRESS_METADATA_KEY] not in ("forged", "203.0.113.7")
    assert len(metadata[ADDRESS_METADATA_KEY]) == 64
    assert RestInput().metadata({}, "203.0.113.7") == metadata | {"language": "en"}
    assert (
        RestInput().metadata({}, "203.0.113.8")[ADDRESS_METADATA_KEY]
        != metadata[ADDRESS_METADATA_KEY]
    )
