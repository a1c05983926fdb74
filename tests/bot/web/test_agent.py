"""The agent console's routes on the real web app (SQLite product database, Rasa's HTTP
API answered by `responses`): a call is driven only by its agent or a supervisor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import responses
from fastapi.testclient import TestClient

from bot.auth.accounts import create_account
from bot.settings import get_settings
from bot.studio.models import AGENT_CHANNEL
from bot.web.app import app

RASA = "http://rasa.test:5005"
PASSWORD = "correct horse battery staple"
TRACKER = re.compile(rf"{re.escape(RASA)}/conversations/[^/]+/tracker")


@pytest.fixture
def staff(web_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_SERVER_URL", RASA)
    monkeypatch.setenv("RASA_API_TOKEN", "secret-token")
    get_settings.cache_clear()
    create_account("ana", PASSWORD, ["agent"], "Ana")
    create_account("ben", PASSWORD, ["agent"], "Ben")
    create_account("sue", PASSWORD, ["supervisor"], "Sue")


def signed_in(username: str) -> TestClient:
    client = TestClient(app)
    response = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrfToken"]
    return client


def rasa_answers(*events: dict) -> None:
    responses.get(TRACKER, json={"events": list(events)})
    responses.post(f"{RASA}/webhooks/agent_console/webhook", json=[])


@responses.activate
def test_only_the_agent_who_started_a_call_or_a_supervisor_drives_it(staff: None) -> None:
    rasa_answers()
    ana = signed_in("ana")
    call = ana.post("/api/agent/calls").json()["conversationId"]
    ben, sue = signed_in("ben"), signed_in("sue")

    for method, path, body in [
        ("POST", f"/api/agent/calls/{call}/say", {"text": "where is my passport"}),
        ("POST", f"/api/agent/calls/{call}/verify", {"lookup": "passport"}),
        ("POST", f"/api/agent/calls/{call}/wrapup", {"disposition": "resolved", "note": "x"}),
        ("GET", f"/api/agent/calls/{call}/note", None),
        ("GET", f"/api/agent/calls/{call}", None),
    ]:
        refused = ben.request(method, path, json=body)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["detail"] == "This is Ana's call: only they or a supervisor can."

    sent = [c.request.body for c in responses.calls if "webhook" in c.request.url]
    assert sent == [], "nothing reached the assistant for the other agent"
    assert ana.post(f"/api/agent/calls/{call}/say", json={"text": "hello"}).status_code == 200
    assert sue.post(f"/api/agent/calls/{call}/say", json={"text": "hi"}).status_code == 200
    assert sue.get(f"/api/agent/calls/{call}").json()["conversationId"] == call


@responses.activate
def test_a_call_the_console_never_started_cannot_be_driven_or_read(staff: None) -> None:
    rasa_answers({"event": "user", "text": "my passport", "input_channel": AGENT_CHANNEL})
    ben = signed_in("ben")
    said = ben.post("/api/agent/calls/call-0123456789abcdef/say", json={"text": "hi"})
    assert said.status_code == 404
    assert ben.get("/api/agent/calls/call-0123456789abcdef").status_code == 404
    assert signed_in("sue").get("/api/agent/calls/call-0123456789abcdef").status_code == 200


@responses.activate
def test_a_web_chat_taken_from_the_queue_is_still_read_through_the_console(
    staff: None,
) -> None:
    rasa_answers({"event": "user", "text": "I need a person", "input_channel": "website"})
    state = signed_in("ben").get("/api/agent/calls/a1b2c3d4e5f60718")
    assert state.status_code == 200
    assert state.json()["transcript"][0]["text"] == "I need a person"
