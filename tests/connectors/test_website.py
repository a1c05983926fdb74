"""The widget's socket.io channel, spoken to by a real socket.io client over the stack."""

from __future__ import annotations

import queue
import uuid
from collections.abc import Iterator

import pytest
import socketio

from connectors.website import safe_metadata, session_id_from
from tests.support.stack import Stack


@pytest.mark.parametrize(
    "data, kept",
    [
        ({"session_id": "a1b2c3d4e5f6"}, True),
        ({"session_id": "short"}, False),
        ({"session_id": "../../tracker"}, False),
        ({"session_id": "x" * 65}, False),
        ({"session_id": 12345678901}, False),
        (None, False),
        ("a1b2c3d4e5f6", False),
    ],
)
def test_only_ids_the_widget_makes_are_kept(data: object, kept: bool) -> None:
    chosen = session_id_from(data)
    assert (chosen == "a1b2c3d4e5f6") is kept
    assert len(chosen) >= 8


@pytest.mark.parametrize(
    "metadata, language",
    [
        ({"language": "es"}, "es"),
        ({"language": "en-US"}, "en-US"),
        ({"language": "<script>"}, "en"),
        ({"ssn": "123-45-6789"}, "en"),
        ("not a dict", "en"),
    ],
)
def test_only_a_language_reaches_the_tracker(metadata: object, language: str) -> None:
    assert safe_metadata({"metadata": metadata}) == {"language": language}


class Client:
    """A socket.io client that collects what the server sends."""

    def __init__(self, url: str) -> None:
        self.events: queue.Queue[tuple[str, object]] = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        for name in ("session_confirm", "bot_uttered", "cx_error"):
            self.sio.on(name, lambda data, name=name: self.events.put((name, data)))
        self.sio.connect(
            url, socketio_path="/socket.io", transports=["polling"]
        )  # no extra client package

    def new_session(self) -> str:
        """Starts a conversation with a fresh id the widget could have made."""
        session = uuid.uuid4().hex
        self.sio.emit("session_request", {"session_id": session})
        assert self.next("session_confirm") == session
        return session

    def next(self, name: str, timeout: float = 60) -> object:
        while True:
            event, data = self.events.get(timeout=timeout)
            if event == name:
                return data


@pytest.fixture
def client(stack: Stack) -> Iterator[Client]:
    connected = Client(stack.url("rasa").rstrip("/"))
    yield connected
    connected.sio.disconnect()


@pytest.mark.integration
def test_replies_reach_the_room_and_only_the_language_is_stored(
    stack: Stack, client: Client
) -> None:
    session = client.new_session()
    client.sio.emit(
        "user_uttered",
        {"message": "hello", "session_id": session, "metadata": {"language": "en", "ssn": "x"}},
    )
    reply = client.next("bot_uttered")
    assert isinstance(reply, dict) and reply.get("text")
    user_events = [e for e in stack.tracker(session)["events"] if e["event"] == "user"]
    stored = user_events[-1]["metadata"]
    assert stored["language"] == "en"
    assert "ssn" not in stored  # Rasa adds only its own model_id and assistant_id
    assert user_events[-1]["input_channel"] == "website"


@pytest.mark.integration
def test_an_over_long_message_is_refused_with_a_reason(stack: Stack, client: Client) -> None:
    client.sio.emit("session_request", {"session_id": "../not-an-id"})
    session = client.next("session_confirm")
    assert session != "../not-an-id"
    client.sio.emit("user_uttered", {"message": "a" * 501, "session_id": session})
    problem = client.next("cx_error")
    assert isinstance(problem, dict)
    assert {k: problem[k] for k in ("reason", "max", "count")} == {
        "reason": "too_long",
        "max": 500,
        "count": 501,
    }
    assert "501 characters" in problem["message"] and "500" in problem["message"]


@pytest.mark.integration
def test_a_message_before_the_session_request_is_refused(client: Client) -> None:
    client.sio.emit("user_uttered", {"message": "hi", "session_id": "a1b2c3d4e5f6"})
    problem = client.next("cx_error")
    assert isinstance(problem, dict) and problem["reason"] == "bad_request"
    assert problem["message"].startswith("Sorry, I couldn't read that message")


@pytest.mark.integration
def test_text_that_is_not_valid_unicode_is_refused_and_not_stored(
    stack: Stack, client: Client
) -> None:
    session = client.new_session()
    client.sio.emit("user_uttered", {"message": "\ud800 where is my refund", "session_id": session})
    problem = client.next("cx_error")
    assert isinstance(problem, dict) and problem["reason"] == "bad_request"
    assert problem["message"].startswith("Sorry, I couldn't read that message")
    assert not [e for e in stack.tracker(session)["events"] if e["event"] == "user"]
