from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionFallback, ActionHandoff, ActionStartOver
from actions.navigation import (
    ActionListLifeExperiences,
    ActionShowNextSteps,
    ValidateLifeExperienceForm,
)
from bot.catalog.queries import clear_cache
from bot.catalog.seed import seed_catalog

FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
DOMAIN = {"forms": {"life_experience_form": {"required_slots": ["life_experience"]}}}


@pytest.fixture(autouse=True)
def catalog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    clear_cache()
    seed_catalog(directory=FIXTURE)
    yield
    clear_cache()


def tracker(
    slots: dict[str, Any] | None = None,
    intent: str | None = None,
    entities: list[dict] | None = None,
    events: list[dict] | None = None,
) -> Tracker:
    latest = {"intent": {"name": intent} if intent else {}, "entities": entities or [], "text": ""}
    return Tracker.from_dict(
        {
            "sender_id": "test",
            "slots": slots or {},
            "latest_message": latest,
            "events": events or [],
            "active_loop": {},
        }
    )


def run(action: Any, t: Tracker) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return events, dispatcher


def test_questions_are_the_experience_s_own_from_the_catalog() -> None:
    form = ValidateLifeExperienceForm()
    required = asyncio.run(
        form.required_slots(
            ["life_experience"],
            CollectingDispatcher(),
            tracker({"life_experience": "retirement"}),
            DOMAIN,
        )
    )
    assert required == ["life_experience", "federal_employee", "near_65"]


def test_a_first_message_naming_a_service_by_keyword_picks_it() -> None:
    slots = {"life_experience": "retirement", "requested_slot": None}
    t = tracker(slots, "le_retirement")
    t.latest_message["text"] = "I want to open an ONLINE account please"
    events = asyncio.run(ValidateLifeExperienceForm().run(CollectingDispatcher(), t, DOMAIN))
    assert SlotSet("service", "ssa_my_social_security") in events
    assert not any(e["name"] == "requested_slot" and e["value"] for e in events), "no question"


def test_a_named_agency_comes_first() -> None:
    _, dispatcher = run(
        ActionShowNextSteps(),
        tracker({"life_experience": "retirement", "near_65": "yes", "agency": "ssa"}),
    )
    titles = [m["title"] for m in dispatcher.messages if m.get("response") == "utter_next_step"]
    assert titles[:2] == ["Apply for retirement benefits", "Open a my Social Security account"]


def test_a_named_service_skips_the_questions() -> None:
    form = ValidateLifeExperienceForm()
    slots = {"life_experience": "retirement", "service": "opm_federal_retirement"}
    required = asyncio.run(
        form.required_slots(["life_experience"], CollectingDispatcher(), tracker(slots), DOMAIN)
    )
    assert required == ["life_experience"]


@pytest.mark.parametrize(
    "intent, entities, expected",
    [
        ("affirm", [], "yes"),
        ("deny", [], "no"),
        ("not_sure", [], "unsure"),
        ("inform", [{"entity": "age", "value": "66"}], "yes"),
        ("inform", [{"entity": "age", "value": "64"}], "unsure"),
        ("inform", [{"entity": "age", "value": "50"}], "no"),
    ],
)
def test_answers_by_button_or_free_text(intent: str, entities: list, expected: str) -> None:
    slots = {"life_experience": "retirement", "requested_slot": "near_65"}
    events = asyncio.run(
        ValidateLifeExperienceForm().run(
            CollectingDispatcher(), tracker(slots, intent, entities), DOMAIN
        )
    )
    assert SlotSet("near_65", expected) in events


def _steps(answers: dict[str, str]) -> list[str]:
    _, dispatcher = run(
        ActionShowNextSteps(), tracker({"life_experience": "retirement", **answers})
    )
    return [m["title"] for m in dispatcher.messages if m.get("response") == "utter_next_step"]


def test_answers_change_the_next_steps() -> None:
    assert _steps({"federal_employee": "yes", "near_65": "yes"}) == [
        "Sign up for Medicare",
        "Apply for federal retirement",
        "Apply for retirement benefits",
        "Open a my Social Security account",
    ]
    assert _steps({"federal_employee": "no", "near_65": "no"}) == [
        "Apply for retirement benefits",
        "Open a my Social Security account",
    ]
    # "Not sure" must never hide a service.
    assert len(_steps({"federal_employee": "unsure", "near_65": "unsure"})) == 4


def test_next_steps_carry_link_and_phone_then_offer_the_rest() -> None:
    events, dispatcher = run(
        ActionShowNextSteps(),
        tracker({"life_experience": "retirement", "federal_employee": "no", "near_65": "no"}),
    )
    first = next(m for m in dispatcher.messages if m.get("response") == "utter_next_step")
    assert first["url"] == "https://www.ssa.gov/retirement"
    assert first["phone"] == "800-772-1213"
    more = next(m for m in dispatcher.messages if m.get("response") == "utter_what_else")
    payloads = [b["payload"] for b in more["buttons"]]
    assert '/le_retirement{"service": "cms_medicare_enrollment"}' in payloads
    assert "/human_handoff" in payloads
    assert events[:2] == [SlotSet("service", None), SlotSet("agency", None)]
    assert dispatcher.messages[-1]["response"] == "utter_survey_offer", "then the survey"


def test_a_named_service_shows_its_details() -> None:
    _, dispatcher = run(
        ActionShowNextSteps(),
        tracker({"life_experience": "retirement", "service": "ssa_retirement_benefits"}),
    )
    responses = [m["response"] for m in dispatcher.messages]
    assert responses[:5] == [
        "utter_service_details",
        "utter_service_eligibility",
        "utter_service_documents",
        "utter_service_steps",
        "utter_service_contact",
    ]
    assert dispatcher.messages[3]["steps"] == "1) Apply online 2) Wait for a letter"


def test_capabilities_list_every_life_experience_as_a_button() -> None:
    _, dispatcher = run(ActionListLifeExperiences(), tracker())
    [message] = dispatcher.messages
    assert message["response"] == "utter_capabilities"
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        ("Approaching retirement", "/le_retirement"),
        ("Traveling", "/le_travel"),
    ]


def _user(intent: str) -> dict:
    return {"event": "user", "parse_data": {"intent": {"name": intent}}}


def test_first_miss_asks_to_rephrase_second_offers_a_person() -> None:
    events, first = run(ActionFallback(), tracker(events=[_user("greet"), _user("nlu_fallback")]))
    assert first.messages[0]["response"] == "utter_rephrase"
    assert events == [FollowupAction("action_listen")], "then wait: never a second apology"
    assert first.messages[0]["buttons"][0]["payload"] == "/le_retirement"
    events, second = run(
        ActionFallback(),
        tracker(events=[_user("nlu_fallback"), {"event": "bot"}, _user("nlu_fallback")]),
    )
    assert second.messages[0]["response"] == "utter_offer_person"
    assert events == [FollowupAction("action_listen")]


def test_handoff_names_the_experience_s_agency_or_usagov() -> None:
    events, dispatcher = run(ActionHandoff(), tracker({"life_experience": "retirement"}))
    assert dispatcher.messages[0]["phone"] == "800-772-1213"
    assert dispatcher.messages[1]["tty"] == "800-325-0778"
    assert ActiveLoop(None) in events
    _, general = run(ActionHandoff(), tracker())
    assert general.messages[0]["phone"] == "1-844-872-4681"


def test_start_over_forgets_answers_and_flow() -> None:
    events, dispatcher = run(ActionStartOver(), tracker({"life_experience": "retirement"}))
    assert events == [ActiveLoop(None), AllSlotsReset()]
    assert dispatcher.messages[0]["response"] == "utter_start_over"


def _said(text: str, events: list[dict]) -> Tracker:
    latest = {"intent": {"name": "nlu_fallback"}, "entities": [], "text": text}
    return Tracker.from_dict(
        {
            "sender_id": "test",
            "slots": {},
            "latest_message": latest,
            "events": events,
            "active_loop": {},
        }
    )


def test_a_message_not_understood_gets_the_services_closest_to_it() -> None:
    text = "I am about to stop working, how do I start getting my social security checks"
    events, said = run(ActionFallback(), _said(text, [_user("nlu_fallback")]))
    answer = said.messages[0]
    assert answer["response"] == "utter_search_results"
    assert "Apply for retirement benefits (Social Security Administration)" in answer["results"]
    payloads = [b["payload"] for b in answer["buttons"]]
    assert '/le_retirement{"service": "ssa_retirement_benefits"}' in payloads[:3]
    assert payloads[-1] == "/bot_capabilities"
    assert events == [FollowupAction("action_listen")]


def test_after_two_misses_the_search_answer_offers_a_person() -> None:
    text = "I am about to stop working, how do I start getting my social security checks"
    events = [_user("nlu_fallback"), {"event": "bot"}, _user("nlu_fallback")]
    _, said = run(ActionFallback(), _said(text, events))
    assert said.messages[0]["buttons"][-1]["payload"] == "/human_handoff"


def test_off_topic_words_still_get_the_rephrase_prompt() -> None:
    _, said = run(
        ActionFallback(), _said("what's a good recipe for lasagna", [_user("nlu_fallback")])
    )
    assert said.messages[0]["response"] == "utter_rephrase"


def _typed(text: str, entities: list[dict] | None = None) -> dict:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": "le_retirement"}, "entities": entities or []},
    }


def _form_run(slots: dict, events: list[dict]) -> list:
    t = tracker(slots, "le_retirement", events=events)
    t.latest_message["text"] = events[-1]["text"]
    return asyncio.run(ValidateLifeExperienceForm().run(CollectingDispatcher(), t, DOMAIN))


def test_answers_already_given_in_the_first_message_are_not_asked() -> None:
    events = _form_run(
        {"life_experience": "retirement", "requested_slot": None},
        [_typed("I'm a federal employee and I turn 65 next month, what should I do")],
    )
    assert SlotSet("federal_employee", "yes") in events
    assert SlotSet("near_65", "yes") in events
    assert not any(e["name"] == "requested_slot" and e["value"] for e in events), "no question"


def test_a_later_message_answers_a_question_not_yet_asked() -> None:
    conversation = [
        _typed("I'm thinking about retiring"),
        {"event": "bot", "text": "Are you a federal employee?"},
        _typed("yes, and I'm 66 already", [{"entity": "age", "value": "66"}]),
    ]
    events = _form_run(
        {"life_experience": "retirement", "requested_slot": "federal_employee"}, conversation
    )
    assert SlotSet("near_65", "yes") in events


def test_what_was_said_before_a_restart_does_not_count() -> None:
    conversation = [
        _typed("I'm a federal employee"),
        {"event": "restart"},
        _typed("I'm thinking about retiring"),
    ]
    events = _form_run({"life_experience": "retirement", "requested_slot": None}, conversation)
    assert not any(e.get("name") == "federal_employee" for e in events)


@pytest.fixture
def ssa_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lookup whose service the fixture catalog's retirement offers."""
    lookup = SimpleNamespace(intent="status_ssa_application", service="ssa_my_social_security")
    monkeypatch.setattr("actions.conversation.all_lookups", lambda: {"ssa_application": lookup})


def _close_call(lookup: str, events: list[dict] | None = None) -> Tracker:
    t = _said("did they get my retirement application", events or [_user("nlu_fallback")])
    t.latest_message["case_or_program"] = {"lookup": lookup, "experience": "le_retirement"}
    return t


@pytest.mark.usefixtures("ssa_lookup")
def test_a_close_call_between_own_case_and_program_is_asked_once() -> None:
    events, said = run(ActionFallback(), _close_call("status_ssa_application"))
    asked = said.messages[0]
    assert asked["response"] == "utter_case_or_program"
    assert [b["payload"] for b in asked["buttons"]] == ["/status_ssa_application", "/le_retirement"]
    assert asked["buttons"][0]["title"] == "Open a my Social Security account"
    assert events == [FollowupAction("action_listen")]
    asked_before = {"event": "bot", "metadata": {"utter_action": "utter_case_or_program"}}
    _, again = run(
        ActionFallback(), _close_call("status_ssa_application", [asked_before, _user("x")])
    )
    assert again.messages[0]["response"] != "utter_case_or_program", "asked once only"


def test_a_lookup_the_experience_does_not_offer_is_not_a_close_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A real lookup whose service retirement does not offer: the relatedness check decides.
    passport = SimpleNamespace(intent="status_passport", service="state_passport_status")
    monkeypatch.setattr("actions.conversation.all_lookups", lambda: {"passport": passport})
    _, said = run(ActionFallback(), _close_call("status_passport"))
    assert said.messages[0]["response"] != "utter_case_or_program"
