"""Conversation repair: not understood, start over, reach a person."""

from __future__ import annotations

import asyncio
import logging
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.content import all_lookups
from actions.navigation import experience_buttons, load_experience
from actions.search import find_services
from bot.agent.calls import chat_summary
from bot.catalog.payloads import experience_payload
from bot.catalog.queries import (
    GENERAL_CONTACT_AGENCY,
    get_agency,
    get_life_experience,
    list_life_experiences,
)
from bot.catalog.search import SearchHit
from bot.handoff import AlreadyClaimed, queue_for
from bot.nlu.parse_keys import CASE_OR_PROGRAM
from bot.settings import get_settings

log = logging.getLogger(__name__)

TOP_EXPERIENCES_ON_REPHRASE = 4
LISTEN = "action_listen"
# The one channel where an agent's messages can reach the person (connectors/website.py);
# REST clients and the agent console only get answers to their own messages.
LIVE_CHAT_CHANNEL = "website"
# Sent with the place in line, so the widget shows it and polls for an agent.
HANDOFF_WAITING = "handoff_waiting"


def consecutive_misses(tracker: Tracker) -> int:
    """How many of the latest user messages in a row were not understood (a close call
    between a lookup and a program was understood: the person is asked which)."""
    misses = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") != "nlu_fallback" or parse.get(CASE_OR_PROGRAM):
            break
        misses += 1
    return misses


def already_said(tracker: Tracker, response: str) -> bool:
    return any(
        e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") == response
        for e in tracker.events
    )


def case_or_program_buttons(parse: dict) -> list[dict[str, str]] | None:
    """ "Check my own case" and "learn about it" buttons for a close call between a lookup
    and the life experience that offers its service; None for any other message."""
    choice = parse.get(CASE_OR_PROGRAM) or {}
    lookup = next((c for c in all_lookups().values() if c.intent == choice.get("lookup")), None)
    experience_id = str(choice.get("experience", "")).removeprefix("le_")
    experience = get_life_experience(experience_id) if lookup and experience_id else None
    if experience is None:
        return None
    offered = {o.service.id: o.service for o in experience.offers}
    if lookup.service not in offered:
        return None
    return [
        {"title": offered[lookup.service].title, "payload": f"/{lookup.intent}"},
        {
            "title": f"Learn about it: {experience.title}",
            "payload": experience_payload(experience.id),
        },
    ]


def search_answer(hits: list[SearchHit]) -> str:
    """One plain sentence per service: the first sentence of its summary."""
    lines = []
    for number, hit in enumerate(hits, start=1):
        service = hit.entry.service
        sentence = re.split(r"(?<=[.!?])\s", service.summary.strip(), maxsplit=1)[0]
        lines.append(f"{number}. {service.title} ({service.agency.name}): {sentence}")
    return "\n".join(lines)


class ActionFallback(Action):
    """A close call between one's own case and a program: ask which, once per conversation.
    Not understood: the catalog services closest to the message (bot/catalog/search.py);
    when none is close enough, ask to rephrase with the top experiences; after two misses in
    a row, offer a person.

    Also the policies' core fallback (config.yml), run when no policy is sure what to do
    next: Rasa then predicts again after it, and without an explicit listen it would run
    again, up to its limit of 10 actions in one turn (10 identical apologies).
    """

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not already_said(tracker, "utter_case_or_program"):
            buttons = await asyncio.to_thread(case_or_program_buttons, tracker.latest_message)
            if buttons:
                dispatcher.utter_message(response="utter_case_or_program", buttons=buttons)
                return [FollowupAction(LISTEN)]
        misses = consecutive_misses(tracker)
        text = tracker.latest_message.get("text") or ""
        hits = await asyncio.to_thread(find_services, text) if text.strip() else []
        if hits:
            last = (
                {"title": "Talk to a person", "payload": "/human_handoff"}
                if misses >= 2
                else {"title": "Something else", "payload": "/bot_capabilities"}
            )
            dispatcher.utter_message(
                response="utter_search_results",
                results=search_answer(hits),
                buttons=[
                    *({"title": h.entry.service.title, "payload": h.entry.payload} for h in hits),
                    last,
                ],
            )
            return [FollowupAction(LISTEN)]
        if misses >= 2:
            dispatcher.utter_message(response="utter_offer_person")
            return [FollowupAction(LISTEN)]
        experiences = await asyncio.to_thread(list_life_experiences)
        top = [(e.id, e.title) for e in experiences[:TOP_EXPERIENCES_ON_REPHRASE]]
        dispatcher.utter_message(
            response="utter_rephrase",
            buttons=[
                *experience_buttons(top),
                {"title": "Something else", "payload": "/bot_capabilities"},
            ],
        )
        return [FollowupAction(LISTEN)]


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
    """In the public widget: puts the conversation in line for a person (bot/handoff) and
    tells the person their place. Elsewhere, or when the line cannot be reached: the
    phone number of the agency that owns their situation."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        done: list[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        if tracker.get_latest_input_channel() == LIVE_CHAT_CHANNEL:
            try:
                await self.wait_in_line(dispatcher, tracker)
                return done
            except AlreadyClaimed:  # an agent took it meanwhile: they answer, not the bot
                return done
            except Exception as error:  # Redis or the database: the phone still works
                log.error("handoff queue unavailable, giving the phone: %s", error)
        await self.give_phone(dispatcher, tracker)
        return done

    @staticmethod
    async def wait_in_line(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Joins once; asking again only says the current place."""
        queue = queue_for(get_settings())
        conversation_id = tracker.sender_id
        place = await asyncio.to_thread(queue.place, conversation_id)
        if place is not None:
            dispatcher.utter_message(response="utter_handoff_still_waiting", place=place)
        else:
            summary = await asyncio.to_thread(chat_summary, conversation_id, tracker.events)
            place = await asyncio.to_thread(queue.join, conversation_id, LIVE_CHAT_CHANNEL, summary)
            dispatcher.utter_message(response="utter_handoff_waiting", place=place)
        dispatcher.utter_message(json_message={"cx_event": HANDOFF_WAITING, "place": place})

    @staticmethod
    async def give_phone(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
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
