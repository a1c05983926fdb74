"""What a channel refuses, and whom an apology tells the person to call."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ConversationPaused
from rasa.shared.core.trackers import DialogueStateTracker

from bot.catalog.queries import clear_cache
from bot.catalog.seed import seed_catalog
from bot.settings import REPO_ROOT, Settings
from connectors.guard import Contact, Guard, contact_for, with_contact
from tests.support.aio import run_sync

DOMAIN = Domain.load(str(REPO_ROOT / "bot" / "domain"))


@pytest.fixture
def catalog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    clear_cache()
    seed_catalog()
    yield
    clear_cache()


@pytest.fixture
def guard(tmp_path: Path) -> Guard:
    return Guard(Settings(var_dir=tmp_path, redis_url=None, max_message_chars=500))


@pytest.mark.parametrize(
    "text, reason, status",
    [
        (None, "bad_request", 400),
        (42, "bad_request", 400),
        ({"text": "hi"}, "bad_request", 400),
        ("\ud800 help with my passport", "bad_request", 400),
        ("ends badly \udfff", "bad_request", 400),
        ("", "empty", 400),
        ("  \n\t", "empty", 400),
        ("x" * 501, "too_long", 413),
        ("x" * 100_000, "too_long", 413),
    ],
)
def test_messages_that_cannot_be_handled_are_refused_in_plain_words(
    guard: Guard, text: object, reason: str, status: int
) -> None:
    refusal = guard.check_text(text, DOMAIN)
    assert refusal is not None
    assert (refusal.reason, refusal.status) == (reason, status)
    assert refusal.message and "{" not in refusal.message
    if reason == "too_long":
        assert refusal.detail == {"max": 500, "count": len(str(text))}
        assert f"{len(str(text))} characters" in refusal.message


@pytest.mark.parametrize(
    "text",
    [
        "x" * 500,
        "I need help 🙏🏽 with my passport",
        "أحتاج مساعدة في جواز السفر",
        "<script>alert('x')</script>",
        "Robert'); DROP TABLE trackers;--",
    ],
)
def test_any_text_within_the_limit_is_let_through(guard: Guard, text: str) -> None:
    assert guard.check_text(text, DOMAIN) is None


@pytest.mark.parametrize(
    "slots, agency, phone",
    [
        ({"lookup": "passport"}, "U.S. Department of State", "1-877-487-2778"),
        (
            {"lookup": "passport", "life_experience": "retirement"},
            "U.S. Department of State",
            "1-877-487-2778",
        ),
        ({"life_experience": "retirement"}, "Social Security Administration", "1-800-772-1213"),
        ({}, "USAGov", "1-844-872-4681"),
        ({"lookup": "no-such-lookup"}, "USAGov", "1-844-872-4681"),
    ],
)
def test_the_apology_names_the_agency_the_conversation_is_about(
    catalog: None, slots: dict, agency: str, phone: str
) -> None:
    contact = contact_for(slots)
    assert contact is not None
    assert contact.agency.endswith(agency.removeprefix("U.S. ")) and contact.phone == phone


def test_the_apology_has_a_number_even_when_the_catalog_is_unreadable() -> None:
    text = with_contact(DOMAIN, "utter_internal_error", None)
    assert "1-844-872-4681" in text and text.startswith("Sorry")
    text = with_contact(DOMAIN, "utter_internal_error", Contact("FEMA", "1-800-621-3362"))
    assert "call FEMA at 1-800-621-3362" in text


@pytest.mark.parametrize("paused, apologised", [(True, False), (False, True)])
def test_silence_is_apologised_for_unless_an_agent_has_the_conversation(
    catalog: None, guard: Guard, paused: bool, apologised: bool
) -> None:
    """Rasa answers nothing while a tracker is paused (an agent took the chat over):
    that silence is the agent's, not a failure to apologise for."""
    store = InMemoryTrackerStore(DOMAIN)
    tracker = DialogueStateTracker.from_events("person-1", [ActionExecuted("action_listen")])
    if paused:
        tracker.update(ConversationPaused())
    run_sync(store.save(tracker))
    agent = Agent(domain=DOMAIN, tracker_store=store)

    async def handled_silently(message: UserMessage) -> None:
        return None

    message = UserMessage("are you there?", sender_id="person-1", input_channel="website")
    apology = run_sync(guard.deliver(handled_silently, message, agent, lambda: 0))
    assert (apology is not None) is apologised
    if apologised:
        assert apology.startswith("Sorry, something went wrong")
