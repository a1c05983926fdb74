"""The widget's JSON routes: config for embedding, history read back from Rasa's tracker."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from fastapi.testclient import TestClient

from bot.catalog.queries import clear_cache
from bot.catalog.seed import seed_catalog
from bot.settings import get_settings
from bot.studio.models import AGENT_CHANNEL
from bot.web.app import app

RASA = "http://rasa.test:5005"
SESSION = "a1b2c3d4e5f60718"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> TestClient:
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("RASA_SERVER_URL", RASA)
    monkeypatch.setenv("RASA_PUBLIC_URL", "https://chat.example.gov")
    monkeypatch.setenv("RASA_API_TOKEN", "secret-token")
    get_settings.cache_clear()
    clear_cache()
    return TestClient(app)


def _tracker(*events: dict) -> None:
    responses.get(f"{RASA}/conversations/{SESSION}/tracker", json={"events": list(events)})


def test_config_points_the_browser_at_the_public_rasa_url(client: TestClient) -> None:
    body = client.get("/api/chat/config").json()
    assert body["socketUrl"] == "https://chat.example.gov"
    assert body["restUrl"] == "https://chat.example.gov/webhooks/rest/webhook"
    assert body["maxMessageChars"] == 500
    assert "secret-token" not in str(body)


@responses.activate
def test_history_keeps_order_and_shows_button_titles(client: TestClient) -> None:
    buttons = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    _tracker(
        {"event": "action", "name": "action_session_start", "timestamp": 1},
        {"event": "user", "text": "I'm retiring", "timestamp": 2},
        {"event": "bot", "text": "Are you 65?", "data": {"buttons": buttons}, "timestamp": 3},
        {"event": "user", "text": "/affirm", "timestamp": 4},
        {"event": "slot", "name": "age", "value": 66, "timestamp": 5},
        {"event": "bot", "text": "Sign up for Medicare.", "data": {}, "timestamp": 6},
    )
    body = client.get(f"/api/chat/history/{SESSION}").json()
    assert [(m["sender"], m["text"]) for m in body["messages"]] == [
        ("user", "I'm retiring"),
        ("bot", "Are you 65?"),
        ("user", "Yes"),
        ("bot", "Sign up for Medicare."),
    ]
    assert body["messages"][1]["buttons"] == buttons
    assert body["messages"][0]["time"].startswith("1970-01-01T00:00:02")
    sent = responses.calls[0].request
    assert "token=secret-token" in sent.url, "the token is added by the server, not the browser"


@responses.activate
def test_history_names_the_agent_who_wrote_a_message(client: TestClient) -> None:
    _tracker(
        {"event": "user", "text": "/human_handoff", "timestamp": 1},
        {"event": "bot", "text": "You're number 1 in line.", "timestamp": 2},
        {"event": "bot", "text": "Hi, I'm Dana.", "metadata": {"agent": "Dana"}, "timestamp": 3},
    )
    messages = client.get(f"/api/chat/history/{SESSION}").json()["messages"]
    assert [m.get("agent") for m in messages] == [None, None, "Dana"]


@responses.activate
def test_history_says_plainly_which_messages_lost_details_when_stored(
    client: TestClient,
) -> None:
    _tracker(
        {"event": "user", "text": "my SSN is ***-**-****", "metadata": {"redacted": True}},
        {"event": "bot", "text": "You're number 1 in line.", "timestamp": 2},
        {
            "event": "bot",
            "text": "Call *-***-***-1213.",
            "metadata": {"agent": "Dana", "redacted": True},
            "timestamp": 3,
        },
    )
    messages = client.get(f"/api/chat/history/{SESSION}").json()["messages"]
    assert [m.get("redacted", False) for m in messages] == [True, False, True]
    assert messages[2]["note"] == "Some details were removed from this saved copy."
    assert "note" not in messages[1]


@pytest.mark.parametrize("bad", ["short", "has space in it", "../../etc/passwd", "x" * 65])
def test_history_refuses_an_id_that_is_not_one_the_widget_makes(
    client: TestClient, bad: str
) -> None:
    assert client.get(f"/api/chat/history/{bad}").status_code in (400, 404)


@responses.activate
def test_a_conversation_without_user_messages_is_not_found(client: TestClient) -> None:
    _tracker({"event": "action", "name": "action_listen", "timestamp": 1})
    response = client.get(f"/api/chat/history/{SESSION}")
    assert response.status_code == 404


@responses.activate
def test_a_call_of_the_agent_console_is_not_the_publics_to_read(client: TestClient) -> None:
    _tracker(
        {"event": "user", "text": "where is my passport", "input_channel": AGENT_CHANNEL},
        {"event": "bot", "text": "Read: Your passport was mailed on March 3.", "timestamp": 2},
    )
    response = client.get(f"/api/chat/history/{SESSION}")
    assert response.status_code == 404
    assert "passport" not in response.text
    assert response.json() == {"detail": "No conversation with this id."}, "like an unknown id"


@responses.activate
def test_rasa_down_is_a_503_with_a_plain_message(client: TestClient) -> None:
    responses.get(f"{RASA}/conversations/{SESSION}/tracker", status=502)
    response = client.get(f"/api/chat/history/{SESSION}")
    assert response.status_code == 503
    assert response.json()["detail"] == "The assistant is not reachable right now."


def test_the_demo_page_carries_the_widget_and_uswds(client: TestClient) -> None:
    seed_catalog()
    page = client.get("/").text
    assert "Approaching retirement" in page and "Having or adopting a child" in page
    assert '<script src="/static/widget/cx-navigator.js" defer></script>' in page
    assert "/assets/uswds/css/uswds.min.css" in page
    assert client.get("/assets/uswds/css/uswds.min.css").status_code == 200
    assert client.get("/assets/socket.io/socket.io.min.js").status_code == 200


def test_each_life_experience_has_a_page_with_links_and_phone_numbers(client: TestClient) -> None:
    seed_catalog()
    page = client.get("/life-experiences/retirement").text
    assert "<h1>Approaching retirement</h1>" in page
    assert 'href="https://www.ssa.gov/' in page
    assert 'href="tel:+18007721213"' in page
    assert '<script src="/static/widget/cx-navigator.js" defer></script>' in page
    assert client.get("/life-experiences/nope").status_code == 404


def test_a_new_chat_starts_with_the_catalogs_first_three_life_experiences(
    client: TestClient,
) -> None:
    seed_catalog()
    buttons = client.get("/api/chat/starters").json()["buttons"]
    assert buttons[:1] == [{"title": "Approaching retirement", "payload": "/le_retirement"}]
    assert len(buttons) == 3
    assert all(b["payload"].startswith("/le_") and b["title"] for b in buttons)


@responses.activate
def test_history_shows_the_title_of_a_starting_button_the_person_clicked(
    client: TestClient,
) -> None:
    seed_catalog()
    _tracker(
        {"event": "user", "text": "/le_retirement", "timestamp": 2},
        {"event": "bot", "text": "Are you a federal employee?", "data": {}, "timestamp": 3},
    )
    body = client.get(f"/api/chat/history/{SESSION}").json()
    assert body["messages"][0]["text"] == "Approaching retirement"
