"""action_handoff: the public widget joins the line for a person; every other channel, or
a line that cannot be reached, gets the agency's phone. Real queue (the product database
under a temporary var/), real catalog fixture."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionHandoff
from bot.catalog.queries import clear_cache
from bot.catalog.seed import seed_catalog
from bot.handoff import queue_for
from bot.settings import get_settings

FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
SSN = "123.45.6789"


@pytest.fixture(autouse=True)
def catalog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    clear_cache()
    seed_catalog(directory=FIXTURE)
    yield
    clear_cache()


def user(text: str, channel: str, intent: str = "inform") -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "input_channel": channel,
        "timestamp": 1_700_000_000.0,
        "parse_data": {"intent": {"name": intent}, "entities": []},
    }


def conversation(channel: str, sender: str | None = None) -> Tracker:
    """A person who said they are retiring, typed an SSN, then asked for a person."""
    events = [
        user(f"I'm retiring, my SSN is {SSN}", channel, "le_retirement"),
        {"event": "slot", "name": "life_experience", "value": "retirement"},
        {"event": "bot", "text": "Are you a federal employee?"},
        user("/human_handoff", channel, "human_handoff"),
    ]
    return Tracker.from_dict(
        {
            "sender_id": sender or uuid.uuid4().hex,
            "slots": {"life_experience": "retirement"},
            "latest_message": events[-1]["parse_data"],
            "events": events,
            "active_loop": {},
        }
    )


def run(t: Tracker) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionHandoff().run(dispatcher, t, {}))
    return events, dispatcher


def responses(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [m.get("response") for m in dispatcher.messages]


def test_the_widget_joins_the_line_and_is_told_its_place() -> None:
    ahead = conversation("website")
    run(ahead)
    events, dispatcher = run(person := conversation("website"))
    assert responses(dispatcher) == ["utter_handoff_waiting", None]
    assert dispatcher.messages[0]["place"] == 2, "one person was ahead"
    assert dispatcher.messages[1]["custom"] == {"cx_event": "handoff_waiting", "place": 2}
    assert ActiveLoop(None) in events

    [_, waiting] = queue_for(get_settings()).waiting()
    assert waiting.conversation_id == person.sender_id and waiting.channel == "website"
    assert "Approaching retirement" in waiting.summary, "the life experience, by its title"
    assert "I'm retiring" in waiting.summary, "what the person asked"
    assert "Not verified." in waiting.summary
    assert SSN not in waiting.summary and "6789" not in waiting.summary
    assert "***-**-****" in waiting.summary, "identifiers masked"


def test_asking_again_says_the_same_place_without_joining_again() -> None:
    person = conversation("website")
    _, first = run(person)
    _, again = run(person)
    assert responses(again) == ["utter_handoff_still_waiting", None]
    assert again.messages[0]["place"] == first.messages[0]["place"] == 1
    assert len(queue_for(get_settings()).waiting()) == 1


@pytest.mark.parametrize("channel", ["rest", "agent_console"])
def test_other_channels_get_the_phone_and_join_nothing(channel: str) -> None:
    events, dispatcher = run(conversation(channel))
    assert responses(dispatcher) == ["utter_handoff_phone", "utter_handoff_tty"]
    assert dispatcher.messages[0]["phone"] == "800-772-1213"
    assert ActiveLoop(None) in events
    assert queue_for(get_settings()).waiting() == []


def test_an_unreachable_queue_gives_the_phone(monkeypatch: pytest.MonkeyPatch) -> None:
    # A real connection refused: nothing listens on port 1.
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    events, dispatcher = run(conversation("website"))
    assert responses(dispatcher) == ["utter_handoff_phone", "utter_handoff_tty"]
    assert ActiveLoop(None) in events
