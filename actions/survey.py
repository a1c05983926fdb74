"""The A-11 Section 280 survey in the chat: offered once, skippable, stored without identifiers.

Which questions are asked is content (data/survey.yml); their wording is the domain's
utter_ask_survey_<id> responses. `survey_state` walks None -> offered -> asking ->
(stopping) -> done and never goes back, so no conversation is asked twice.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.content import all_lookups
from bot.catalog.queries import get_agency
from bot.insights.responses import SurveyRecord, record_response
from bot.insights.survey import COMMENT, load_survey

STATE = "survey_state"
TRIGGER = "survey_trigger"
COMMENT_SLOT = f"survey_{COMMENT}"
# The widget closes the conversation when it receives this (after the survey, if any).
CHAT_ENDED = {"cx_event": "chat_ended"}
# Intents that mean "stop asking" inside the survey, whatever the question.
STOP_INTENTS = {"survey_skip", "cancel", "deny", "end_chat"}
# Intents that leave the survey for something else the person needs now.
ESCAPE_PREFIXES = ("le_", "status_")
ESCAPE_INTENTS = {"human_handoff", "start_over", "bot_capabilities"}
SCORE_WORDS = [
    (re.compile(r"\bstrongly\s+disagree\b"), 1),
    (re.compile(r"\bstrongly\s+agree\b"), 5),
    (re.compile(r"\b(neither|neutral|not sure)\b"), 3),
    (re.compile(r"\bdisagree\b"), 2),
    (re.compile(r"\bagree\b"), 4),
]
SKIP_WORDS = re.compile(r"^\s*(skip|no thanks|no comment|stop|none|nothing|n/?a)\W*$", re.I)


def parse_score(text: str, entities: list[dict[str, Any]]) -> int | None:
    """1..5 from the button's entity, a typed digit, or the scale's words."""
    for entity in entities:
        if entity.get("entity") == "survey_score" and str(entity.get("value")) in "12345":
            return int(entity["value"])
    words = text.strip().lower()
    if re.fullmatch(r"[1-5]", words):
        return int(words)
    for pattern, score in SCORE_WORDS:
        if pattern.search(words):
            return score
    return None


def asked_slots(tracker: Tracker) -> list[str]:
    """The slots of the questions this conversation gets, in order."""
    survey = load_survey()
    agent = bool(tracker.get_slot("agent_joined"))
    slots = [q.slot for q in survey.asked(agent_took_part=agent)]
    return [*slots, COMMENT_SLOT] if survey.ask.comment else slots


def offer_survey(
    dispatcher: CollectingDispatcher, tracker: Tracker, trigger: str
) -> list[EventType]:
    """At a natural end (next steps, a lookup): offer the survey, once per conversation."""
    if tracker.get_slot(STATE):
        return []
    count = len([s for s in asked_slots(tracker) if s != COMMENT_SLOT])
    dispatcher.utter_message(response="utter_survey_offer", count=count, trigger=trigger)
    return [SlotSet(STATE, "offered"), SlotSet(TRIGGER, trigger)]


def _slot_history(tracker: Tracker, name: str) -> list[Any]:
    return [
        e.get("value")
        for e in tracker.events
        if e.get("event") == "slot" and e.get("name") == name and e.get("value") is not None
    ]


def _before_the_survey(tracker: Tracker, slot: str) -> Any:
    """A slot's value when the questions began: answers and comments are free text that
    NLU may read as a new life experience, which must not change what is reported."""
    value = None
    for event in tracker.events:
        if event.get("event") != "slot":
            continue
        if event.get("name") == STATE and event.get("value") in ("asking", "stopping"):
            return value
        if event.get("name") == slot:
            value = event.get("value")
    return tracker.get_slot(slot) if value is None else value


def _ran(tracker: Tracker, action: str) -> bool:
    return any(e.get("event") == "action" and e.get("name") == action for e in tracker.events)


def reporting_context(tracker: Tracker) -> dict[str, Any]:
    """Which service the answers report on: the looked-up one, else the life experience."""
    looked_up = bool(_slot_history(tracker, "lookup_outcome"))
    lookups = _slot_history(tracker, "lookup")
    experience = _before_the_survey(tracker, "life_experience")
    context: dict[str, Any] = {
        "life_experience": experience,
        "service": experience or "general",
        "agency": None,
        "had_lookup": looked_up,
        "had_handoff": _ran(tracker, "action_handoff"),
    }
    if looked_up and lookups and lookups[-1] in all_lookups():
        content = all_lookups()[lookups[-1]]
        context.update(service=content.service, agency=content.agency)
    return context


def _answers(tracker: Tracker) -> dict[str, int]:
    survey = load_survey()
    found = {}
    for question in survey.questions:
        value = tracker.get_slot(question.slot)
        if value is not None and str(value) in {"1", "2", "3", "4", "5"}:
            found[question.id] = int(value)
    return found


async def store(tracker: Tracker, trigger: str) -> bool:
    context = reporting_context(tracker)
    record = SurveyRecord(
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "unknown",
        trigger=trigger,
        answers=_answers(tracker),
        comment=tracker.get_slot(COMMENT_SLOT) or None,
        **context,
    )
    return await asyncio.to_thread(record_response, record)


def end_of_chat(dispatcher: CollectingDispatcher, trigger: str | None) -> None:
    if trigger == "close":
        dispatcher.utter_message(response="utter_chat_ended")
        dispatcher.utter_message(json_message=CHAT_ENDED)


class ActionSurveyStart(Action):
    """Starts the questions: from the offer's button, or when the person ends the chat."""

    def name(self) -> str:
        return "action_survey_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        state = tracker.get_slot(STATE)
        closing = (tracker.latest_message.get("intent") or {}).get("name") == "end_chat"
        trigger = "close" if closing else self._trigger(tracker)
        if state == "asking" and closing:
            return [SlotSet(STATE, "stopping"), SlotSet(TRIGGER, trigger)]
        if state in ("done", "asking", "stopping") or (closing and state == "offered"):
            # Never asked twice: an ignored offer is not repeated when the chat closes.
            if not closing and state == "done":
                dispatcher.utter_message(response="utter_survey_already_done")
            return [SlotSet(TRIGGER, trigger)] if closing else []
        context = reporting_context(tracker)
        agency = (
            await asyncio.to_thread(get_agency, context["agency"]) if context["agency"] else None
        )
        dispatcher.utter_message(
            response="utter_survey_intro", omb=load_survey().omb_control_number
        )
        events: list[EventType] = [SlotSet(STATE, "asking"), SlotSet(TRIGGER, trigger)]
        if agency is not None:
            events += [
                SlotSet("survey_agency", agency.name),
                SlotSet("survey_service", agency.name),
            ]
        return events

    @staticmethod
    def _trigger(tracker: Tracker) -> str:
        for entity in tracker.latest_message.get("entities", []):
            if entity.get("entity") == TRIGGER and entity.get("value") in ("next_steps", "lookup"):
                return str(entity["value"])
        return tracker.get_slot(TRIGGER) or "next_steps"


class ValidateSurveyForm(FormValidationAction):
    """Reads each answer from a button or typed words; "skip" stops the survey."""

    def name(self) -> str:
        return "validate_survey_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return asked_slots(tracker) if tracker.get_slot(STATE) == "asking" else []

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if not requested or not requested.startswith("survey_"):
            return []
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        text = tracker.latest_message.get("text") or ""
        if intent in STOP_INTENTS or SKIP_WORDS.match(text):
            if requested == COMMENT_SLOT and intent != "end_chat":
                return [SlotSet(COMMENT_SLOT, "")]  # "No comment" finishes the survey
            trigger = "close" if intent == "end_chat" else tracker.get_slot(TRIGGER)
            return [SlotSet(STATE, "stopping"), SlotSet(TRIGGER, trigger)]
        if requested == COMMENT_SLOT:
            return [SlotSet(COMMENT_SLOT, "" if text.startswith("/") else text)]
        score = parse_score(text, tracker.latest_message.get("entities", []))
        if score is not None:
            return [SlotSet(requested, str(score))]
        if intent.startswith(ESCAPE_PREFIXES) or intent in ESCAPE_INTENTS:
            return []  # the form steps aside; the person's new request is answered
        dispatcher.utter_message(response="utter_survey_invalid")
        return [SlotSet(requested, None)]

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Extraction already normalised every value."""
        return [SlotSet(k, v) for k, v in tracker.slots_to_validate().items()]


class ActionSurveySubmit(Action):
    """Stores what was answered, thanks the person, and ends the chat if it was closing."""

    def name(self) -> str:
        return "action_survey_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        trigger = tracker.get_slot(TRIGGER)
        if tracker.get_slot(STATE) in ("asking", "stopping"):
            await store(tracker, trigger or "next_steps")
            if _answers(tracker) or tracker.get_slot(COMMENT_SLOT):
                dispatcher.utter_message(response="utter_survey_thanks")
            elif trigger != "close":
                dispatcher.utter_message(response="utter_survey_skipped")
        end_of_chat(dispatcher, trigger)
        return [SlotSet(STATE, "done"), SlotSet("requested_slot", None)]


class ActionSurveySkip(Action):
    """One click declines the offer or stops the questions; answers given so far count."""

    def name(self) -> str:
        return "action_survey_skip"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        state = tracker.get_slot(STATE)
        trigger = tracker.get_slot(TRIGGER)
        if state in ("offered", "asking", "stopping"):
            await store(tracker, trigger or "next_steps")
        if _answers(tracker):
            dispatcher.utter_message(response="utter_survey_thanks")
        else:
            dispatcher.utter_message(response="utter_survey_skipped")
        end_of_chat(dispatcher, trigger if state in ("asking", "stopping") else None)
        return [SlotSet(STATE, "done"), ActiveLoop(None), SlotSet("requested_slot", None)]
