"""Life-experience navigation: the clarifying questions and the next steps, from the catalog.

Which questions an experience asks, which services it offers and in what order are
catalog content; the wording is in the domain. Nothing here names a service.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.said_answers import said_answers
from actions.survey import offer_survey
from bot.catalog.payloads import experience_payload, service_payload
from bot.catalog.queries import (
    LifeExperienceView,
    ServiceView,
    get_life_experience,
    get_service,
    list_life_experiences,
)

MAX_NEXT_STEPS = 5
MAX_MORE_BUTTONS = 6
ANSWER_BY_INTENT = {"affirm": "yes", "deny": "no", "not_sure": "unsure"}
NEAR_65 = "near_65"
# Events after which earlier messages no longer speak for the answers.
RESET_EVENTS = frozenset({"restart", "session_started", "reset_slots"})


async def load_experience(tracker: Tracker) -> LifeExperienceView | None:
    experience_id = tracker.get_slot("life_experience")
    if not experience_id:
        return None
    return await asyncio.to_thread(get_life_experience, experience_id)


def answer_from_message(slot: str, tracker: Tracker) -> str | None:
    """yes/no/unsure from the buttons or free text; an age also answers the 65 question."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent in ANSWER_BY_INTENT:
        return ANSWER_BY_INTENT[intent]
    if slot == NEAR_65:
        for entity in tracker.latest_message.get("entities", []):
            if entity.get("entity") == "age" and str(entity.get("value", "")).isdigit():
                return answer_for_age(int(entity["value"]))
    return None


def answer_for_age(age: int) -> str:
    """65 or older, or turning 65 soon (64: not sure which), answers the Medicare question."""
    return "yes" if age >= 65 else "unsure" if age == 64 else "no"


def experience_buttons(experience_ids_and_titles: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [
        {"title": title, "payload": experience_payload(eid)}
        for eid, title in experience_ids_and_titles
    ]


class ValidateLifeExperienceForm(FormValidationAction):
    """Asks the current experience's questions that are still unanswered."""

    def name(self) -> str:
        return "validate_life_experience_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        experience = await load_experience(tracker)
        if experience is None or tracker.get_slot("service"):
            # A named service needs no questions: the person already said what they want.
            return list(domain_slots)
        return [*domain_slots, *experience.questions]

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Answers are normalised to yes/no/unsure already: keep them, no per-slot checks."""
        keep = {
            "service",
            *await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain),
        }
        return [SlotSet(k, v) for k, v in tracker.slots_to_validate().items() if k in keep]

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The answer to the question just asked (every question is yes / no / not sure,
        so one extractor serves them all); the answers to questions not yet asked that the
        person already gave in their own words ("I just lost my job"), so none is asked
        twice; on the first message of an experience, the service it names, if any
        ("renew my passport")."""
        events: list[EventType] = []
        requested = tracker.get_slot("requested_slot")
        if requested and requested != "life_experience":
            answer = answer_from_message(requested, tracker)
            if answer is not None:
                events.append(SlotSet(requested, answer))
        experience = await load_experience(tracker)
        if experience is not None:
            answered = {e["name"] for e in events}
            open_questions = [
                q for q in experience.questions if tracker.get_slot(q) is None and q not in answered
            ]
            said = await asyncio.to_thread(already_said, tracker, open_questions)
            events += [SlotSet(q, a) for q, a in said.items()]
        answered_now = any(e["name"] == requested for e in events)
        if experience is None or answered_now or tracker.get_slot("service"):
            return events
        named = experience.named_service(tracker.latest_message.get("text") or "")
        return [*events, SlotSet("service", named)] if named else events


def conversation_texts(tracker: Tracker) -> list[str]:
    """What the person typed since the conversation (or its answers) last started afresh;
    button payloads ("/affirm") say nothing of their own."""
    texts: list[str] = []
    for event in tracker.events:
        if event.get("event") in RESET_EVENTS:
            texts = []
        elif event.get("event") == "user":
            text = (event.get("text") or "").strip()
            if text and not text.startswith("/"):
                texts.append(text)
    return texts


def stated_age(tracker: Tracker) -> int | None:
    """The latest age the person gave in any message ("I'm 64")."""
    age = None
    for event in tracker.events:
        if event.get("event") in RESET_EVENTS:
            age = None
        for entity in (
            (event.get("parse_data") or {}).get("entities", [])
            if event.get("event") == "user"
            else []
        ):
            if entity.get("entity") == "age" and str(entity.get("value", "")).isdigit():
                age = int(entity["value"])
    return age


def already_said(tracker: Tracker, questions: list[str]) -> dict[str, str]:
    """Answers to the open questions found in the conversation so far."""
    found = said_answers().answers(conversation_texts(tracker), questions)
    age = stated_age(tracker) if NEAR_65 in questions else None
    if age is not None:
        found[NEAR_65] = answer_for_age(age)
    return found


class ActionShowNextSteps(Action):
    """Up to five next steps across agencies, then the other services as buttons."""

    def name(self) -> str:
        return "action_show_next_steps"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        experience = await load_experience(tracker)
        if experience is None:
            await ActionListLifeExperiences().run(dispatcher, tracker, domain)
            return []
        named = tracker.get_slot("service")
        named_service = await asyncio.to_thread(get_service, named) if named else None
        answers = {q: tracker.get_slot(q) for q in experience.questions}

        if named_service is not None:
            utter_service_details(dispatcher, named_service)
            shown = {named_service.id}
        else:
            steps = experience.next_steps(answers, MAX_NEXT_STEPS, tracker.get_slot("agency"))
            dispatcher.utter_message(
                response="utter_next_steps_intro", life_experience_title=experience.title.lower()
            )
            for number, service in enumerate(steps, start=1):
                dispatcher.utter_message(
                    response="utter_next_step",
                    number=number,
                    title=service.title,
                    agency=service.agency.name,
                    summary=service.summary,
                    url=service.url,
                    phone=service.phone,
                )
            shown = {s.id for s in steps}

        more = [o.service for o in experience.offers if o.service.id not in shown]
        dispatcher.utter_message(
            response="utter_what_else",
            buttons=[
                {
                    "title": service.title,
                    "payload": service_payload(experience.id, service.id),
                }
                for service in more[:MAX_MORE_BUTTONS]
            ]
            + [
                {"title": "Something else", "payload": "/bot_capabilities"},
                {"title": "Talk to a person", "payload": "/human_handoff"},
            ],
        )
        return [
            SlotSet("service", None),
            SlotSet("agency", None),
            SlotSet("services_shown", sorted(shown)),
            *offer_survey(dispatcher, tracker, "next_steps"),
        ]


def utter_service_details(dispatcher: CollectingDispatcher, service: ServiceView) -> None:
    dispatcher.utter_message(
        response="utter_service_details",
        title=service.title,
        agency=service.agency.name,
        summary=service.summary,
    )
    if service.eligibility:
        dispatcher.utter_message(
            response="utter_service_eligibility", eligibility=service.eligibility
        )
    if service.documents:
        dispatcher.utter_message(
            response="utter_service_documents", documents="; ".join(service.documents)
        )
    if service.steps:
        numbered = " ".join(f"{n}) {step}" for n, step in enumerate(service.steps, start=1))
        dispatcher.utter_message(response="utter_service_steps", steps=numbered)
    dispatcher.utter_message(
        response="utter_service_contact",
        url=service.url,
        phone=service.phone,
        hours=f" ({service.hours})" if service.hours else "",
    )


class ActionListLifeExperiences(Action):
    """Answers "what can you do?" with the catalog's life experiences as buttons."""

    def name(self) -> str:
        return "action_list_life_experiences"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        experiences = await asyncio.to_thread(list_life_experiences)
        dispatcher.utter_message(
            response="utter_capabilities",
            buttons=experience_buttons([(e.id, e.title) for e in experiences]),
        )
        return []
