"""The A-11 survey in the chat: offered once, skippable, stored without identifiers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.navigation import ActionShowNextSteps
from actions.survey import (
    CHAT_ENDED,
    ActionSurveySkip,
    ActionSurveyStart,
    ActionSurveySubmit,
    ValidateSurveyForm,
    offer_survey,
    parse_score,
    reporting_context,
)
from bot.catalog.queries import clear_cache
from bot.catalog.seed import seed_catalog
from bot.db import session_scope
from bot.insights.models import SurveyResponse
from bot.insights.survey import SurveyDefinition, load_survey

DOMAIN = {"forms": {"survey_form": {"required_slots": ["survey_trust"]}}}
ASKED = ["survey_trust", "survey_effectiveness", "survey_ease", "survey_efficiency"]


@pytest.fixture(autouse=True)
def catalog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    clear_cache()
    seed_catalog()
    yield
    clear_cache()


def tracker(
    slots: dict[str, Any] | None = None,
    intent: str | None = None,
    text: str = "",
    entities: list[dict] | None = None,
    events: list[dict] | None = None,
    sender: str = "conv-1",
) -> Tracker:
    parsed = {"name": intent} if intent else {}
    latest = {"intent": parsed, "entities": entities or [], "text": text}
    user = {"event": "user", "text": text, "input_channel": "website", "parse_data": latest}
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": slots or {},
            "latest_message": latest,
            "latest_input_channel": "website",
            "events": [*(events or []), user],
            "active_loop": {},
        }
    )


def run(action: Any, t: Tracker) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    return asyncio.run(action.run(dispatcher, t, DOMAIN)), dispatcher


def responses(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [m.get("response") for m in dispatcher.messages]


def stored() -> list[SurveyResponse]:
    with session_scope() as session:
        return list(session.scalars(select(SurveyResponse)))


def extract(slots: dict[str, Any], intent: str = "survey_answer", **kwargs: Any) -> tuple:
    t = tracker({"survey_state": "asking", **slots}, intent, **kwargs)
    return run(ValidateSurveyForm(), t)


# --- offering ---------------------------------------------------------------------------


def test_next_steps_offer_the_survey_once_and_name_what_was_shown() -> None:
    events, dispatcher = run(
        ActionShowNextSteps(), tracker({"life_experience": "retirement", "near_65": "yes"})
    )
    assert responses(dispatcher)[-1] == "utter_survey_offer"
    offer = dispatcher.messages[-1]
    assert offer["count"] == 4 and offer["trigger"] == "next_steps"
    assert SlotSet("survey_state", "offered") in events
    shown = next(e["value"] for e in events if e["name"] == "services_shown")
    assert "ssa_retirement_benefits" in shown

    _, again = run(
        ActionShowNextSteps(),
        tracker({"life_experience": "retirement", "survey_state": "offered"}),
    )
    assert "utter_survey_offer" not in responses(again)


def test_an_offer_is_never_repeated_once_made_or_done() -> None:
    for state in ("offered", "asking", "done"):
        dispatcher = CollectingDispatcher()
        assert offer_survey(dispatcher, tracker({"survey_state": state}), "lookup") == []
        assert dispatcher.messages == []


# --- starting ---------------------------------------------------------------------------


def test_accepting_the_offer_starts_the_questions_with_the_omb_number() -> None:
    t = tracker(
        {"survey_state": "offered"},
        "survey_start",
        entities=[{"entity": "survey_trigger", "value": "next_steps"}],
    )
    events, dispatcher = run(ActionSurveyStart(), t)
    assert SlotSet("survey_state", "asking") in events
    assert SlotSet("survey_trigger", "next_steps") in events
    assert dispatcher.messages[0]["omb"] == "3090-0321"


def test_ending_the_chat_asks_the_survey_when_it_was_never_offered() -> None:
    events, _ = run(ActionSurveyStart(), tracker({}, "end_chat"))
    assert SlotSet("survey_state", "asking") in events
    assert SlotSet("survey_trigger", "close") in events


def test_ending_the_chat_after_an_ignored_offer_does_not_ask_again() -> None:
    events, dispatcher = run(ActionSurveyStart(), tracker({"survey_state": "offered"}, "end_chat"))
    assert SlotSet("survey_state", "asking") not in events
    assert dispatcher.messages == []
    required = asyncio.run(
        ValidateSurveyForm().required_slots(
            [], CollectingDispatcher(), tracker({"survey_state": "offered"}), DOMAIN
        )
    )
    assert required == [], "the form asks nothing and ends the chat"


def test_a_second_start_after_answering_is_refused_politely() -> None:
    events, dispatcher = run(ActionSurveyStart(), tracker({"survey_state": "done"}, "survey_start"))
    assert events == []
    assert responses(dispatcher) == ["utter_survey_already_done"]


def test_a_survey_after_a_lookup_names_that_agency() -> None:
    history = [
        {"event": "slot", "name": "lookup", "value": "passport"},
        {"event": "slot", "name": "lookup_outcome", "value": "found"},
    ]
    events, _ = run(ActionSurveyStart(), tracker({}, "survey_start", events=history))
    assert SlotSet("survey_agency", "U.S. Department of State") in events
    context = reporting_context(tracker({}, events=history))
    assert context["service"] == "state_passport_status"
    assert context["agency"] == "state" and context["had_lookup"]


# --- the questions ----------------------------------------------------------------------


def test_the_trust_question_and_three_drivers_then_the_comment() -> None:
    required = asyncio.run(
        ValidateSurveyForm().required_slots(
            ["survey_trust"], CollectingDispatcher(), tracker({"survey_state": "asking"}), DOMAIN
        )
    )
    assert required == [*ASKED, "survey_comment"]


def test_an_agent_in_the_conversation_adds_employee_helpfulness() -> None:
    asked = [q.id for q in load_survey().asked(agent_took_part=True)]
    assert asked == ["trust", "effectiveness", "ease", "efficiency", "employee"]


@pytest.mark.parametrize(
    "text, entities, expected",
    [
        ("/survey_answer", [{"entity": "survey_score", "value": "5"}], 5),
        ("strongly disagree", [], 1),
        ("I disagree", [], 2),
        ("neither", [], 3),
        ("agree", [], 4),
        ("Strongly agree!", [], 5),
        ("4", [], 4),
        ("banana", [], None),
        ("7", [], None),
    ],
)
def test_answers_by_button_or_typed_words(text: str, entities: list, expected: int | None) -> None:
    assert parse_score(text, entities) == expected


def test_an_unreadable_answer_is_asked_again_with_help() -> None:
    events, dispatcher = extract({"requested_slot": "survey_ease"}, "inform", text="purple")
    assert SlotSet("survey_ease", None) in events
    assert responses(dispatcher) == ["utter_survey_invalid"]


def test_a_new_request_mid_survey_lets_the_form_step_aside() -> None:
    events, dispatcher = extract(
        {"requested_slot": "survey_ease"}, "status_passport", text="where is my passport"
    )
    assert not any(e.get("name") == "survey_ease" for e in events)
    assert dispatcher.messages == []


def test_typing_skip_stops_the_survey_and_keeps_the_trigger() -> None:
    events, _ = extract(
        {"requested_slot": "survey_ease", "survey_trigger": "lookup"}, "deny", text="skip"
    )
    assert SlotSet("survey_state", "stopping") in events
    assert SlotSet("survey_trigger", "lookup") in events


def test_no_comment_finishes_instead_of_skipping() -> None:
    events, _ = extract({"requested_slot": "survey_comment"}, "survey_skip", text="/survey_skip")
    assert SlotSet("survey_comment", "") in events


# --- storing ----------------------------------------------------------------------------


def test_answers_are_stored_once_without_identifiers() -> None:
    slots = {
        "survey_state": "asking",
        "survey_trigger": "next_steps",
        "life_experience": "retirement",
        "survey_trust": "5",
        "survey_effectiveness": "4",
        "survey_ease": "2",
        "survey_comment": "My SSN is 123\u201345\u20136789, call 202.555.0143 or ann@example.com",
    }
    history = [{"event": "action", "name": "action_handoff"}]
    events, dispatcher = run(ActionSurveySubmit(), tracker(slots, events=history))
    assert SlotSet("survey_state", "done") in events
    assert responses(dispatcher) == ["utter_survey_thanks"]

    (row,) = stored()
    assert row.conversation_id == "conv-1" and row.channel == "website"
    assert row.answers == {"trust": 5, "effectiveness": 4, "ease": 2}
    assert row.status == "answered" and row.service == "retirement"
    assert row.had_handoff and not row.had_lookup and not row.is_demo
    assert "6789" not in row.comment and "ann@example.com" not in row.comment
    assert row.comment == "My SSN is ***-**-****, call ***.***.0143 or ***@***"

    run(ActionSurveySubmit(), tracker(slots))
    assert len(stored()) == 1, "never stored twice"


def test_declining_the_offer_is_one_click_and_recorded_as_skipped() -> None:
    t = tracker({"survey_state": "offered", "survey_trigger": "lookup"}, "survey_skip")
    events, dispatcher = run(ActionSurveySkip(), t)
    assert SlotSet("survey_state", "done") in events and ActiveLoop(None) in events
    assert responses(dispatcher) == ["utter_survey_skipped"]
    assert CHAT_ENDED not in [m.get("custom") for m in dispatcher.messages]
    (row,) = stored()
    assert row.status == "skipped" and row.answers == {} and row.trigger == "lookup"


def test_a_survey_started_by_closing_ends_the_chat_when_done() -> None:
    slots = {"survey_state": "stopping", "survey_trigger": "close", "survey_trust": "3"}
    _, dispatcher = run(ActionSurveySubmit(), tracker(slots, sender="demo-abc"))
    assert responses(dispatcher) == ["utter_survey_thanks", "utter_chat_ended", None]
    assert dispatcher.messages[-1]["custom"] == CHAT_ENDED
    (row,) = stored()
    assert row.answers == {"trust": 3} and row.trigger == "close" and row.is_demo


def test_closing_after_the_survey_only_ends_the_chat() -> None:
    slots = {"survey_state": "done", "survey_trigger": "close"}
    _, dispatcher = run(ActionSurveySubmit(), tracker(slots))
    assert responses(dispatcher) == ["utter_chat_ended", None]
    assert stored() == []


def test_the_definition_refuses_unknown_drivers() -> None:
    raw = load_survey().dict()
    raw["ask"]["drivers"] = ["speed"]
    with pytest.raises(ValueError, match="unknown questions"):
        SurveyDefinition.parse_obj(raw)


def test_answers_read_as_a_new_experience_do_not_change_what_is_reported() -> None:
    history = [
        {"event": "slot", "name": "life_experience", "value": "travel"},
        {"event": "slot", "name": "survey_state", "value": "asking"},
        {"event": "slot", "name": "life_experience", "value": "disability"},
    ]
    t = tracker({"life_experience": "disability"}, events=history)
    assert reporting_context(t)["life_experience"] == "travel"
    assert reporting_context(t)["service"] == "travel"
