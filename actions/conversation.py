"""Conversation repair: not understood, start over, reach a person."""

from __future__ import annotations

import asyncio

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.navigation import experience_buttons, load_experience
from bot.catalog.queries import GENERAL_CONTACT_AGENCY, get_agency, list_life_experiences

TOP_EXPERIENCES_ON_REPHRASE = 4


def consecutive_misses(tracker: Tracker) -> int:
    """How many of the latest user messages in a row were not understood."""
    misses = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data", {}).get("intent") or {}).get("name") != "nlu_fallback":
            break
        misses += 1
    return misses


class ActionFallback(Action):
    """First miss: ask to rephrase, with the top experiences; second miss: offer a person."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if consecutive_misses(tracker) >= 2:
            dispatcher.utter_message(response="utter_offer_person")
            return []
        experiences = await asyncio.to_thread(list_life_experiences)
        top = [(e.id, e.title) for e in experiences[:TOP_EXPERIENCES_ON_REPHRASE]]
        dispatcher.utter_message(
            response="utter_rephrase",
            buttons=[
                *experience_buttons(top),
                {"title": "Something else", "payload": "/bot_capabilities"},
            ],
        )
        return []


class ActionStartOver(Action):
    """Forget the answers and the current flow; the conversation itself continues."""

    def name(self) -> str:
        return "action_start_over"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        experiences = await asyncio.to_thread(list_life_experiences)
        dispatcher.utter_message(
            response="utter_start_over",
            buttons=experience_buttons([(e.id, e.title) for e in experiences]),
        )
        return [ActiveLoop(None), AllSlotsReset()]


class ActionHandoff(Action):
    """Points the person to the agency that owns their situation, by phone.

    Until live agents can take chats over, the honest answer is a number to call.
    """

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        experience = await load_experience(tracker)
        agency = experience.contact if experience else None
        if agency is None:
            agency = await asyncio.to_thread(get_agency, GENERAL_CONTACT_AGENCY)
        if agency is not None:
            dispatcher.utter_message(
                response="utter_handoff_phone",
                agency=agency.name,
                phone=agency.phone,
                hours=f" ({agency.hours})" if agency.hours else "",
            )
            if agency.tty:
                dispatcher.utter_message(response="utter_handoff_tty", tty=agency.tty)
        return [ActiveLoop(None), SlotSet("requested_slot", None)]
