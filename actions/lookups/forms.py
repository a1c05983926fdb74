"""Validation of the lookup forms: read identity details, keep them out of the tracker.

Every lookup has its own Rasa form (bot/domain/lookups.yml) listing exactly what
its agency asks for; one class here validates them all, so a new agency needs a
form in the domain and content, not code. Values are read from any message (a
person may give several at once, or correct one), stored in the vault, and the
slot gets only a reference.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import vault
from actions.clients.content import all_lookups
from actions.lookups.identifiers import Reading, read

# A confident one of these means the person wants something else, not to answer.
INTERRUPTING_INTENTS = {
    "cancel",
    "human_handoff",
    "start_over",
    "bot_capabilities",
    "out_of_scope",
    "goodbye",
}
INTERRUPTING_PREFIXES = ("le_", "status_")
INTERRUPTION_CONFIDENCE = 0.7


def is_interruption(tracker: Tracker) -> bool:
    intent = tracker.latest_message.get("intent") or {}
    name, confidence = intent.get("name") or "", intent.get("confidence", 1.0)
    wants_else = name in INTERRUPTING_INTENTS or name.startswith(INTERRUPTING_PREFIXES)
    return wants_else and confidence >= INTERRUPTION_CONFIDENCE


def readings(required: list[str], requested: str | None, text: str) -> dict[str, Reading]:
    """Every required detail the message holds; the asked one may come back invalid."""
    found = {
        slot: reading
        for slot in required
        if (reading := read(slot, text, requested=slot == requested)) is not None
    }
    others_valid = any(r.value for slot, r in found.items() if slot != requested)
    if requested in found and found[requested].value is None and others_valid:
        # "my birthday is actually 03/15/1985" while asked for the SSN digits: a
        # correction, not a wrong answer to the question.
        del found[requested]
    return found


class ValidateLookupForm(FormValidationAction):
    """Base of the per-lookup validation actions (`validate_<lookup>_form`)."""

    @property
    @abstractmethod
    def lookup(self) -> str: ...

    def name(self) -> str:
        return f"validate_{self.lookup}_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # A locked conversation asks nothing: the lookup action explains why.
        return [] if tracker.get_slot("lookup_locked") else list(domain_slots)

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if is_interruption(tracker):
            return []
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        requested = tracker.get_slot("requested_slot")
        text = tracker.latest_message.get("text") or ""
        events: list[EventType] = []
        for slot, reading in readings(required, requested, text).items():
            if reading.value is None:
                dispatcher.utter_message(response=f"utter_invalid_{slot}")
                events.append(SlotSet(slot, None))
                continue
            if "full_ssn" in reading.notes:
                dispatcher.utter_message(response="utter_full_ssn_warning")
            vault.forget(tracker.get_slot(slot))  # a correction replaces the old value
            events.append(SlotSet(slot, vault.keep(reading.value)))
        return events

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Values were checked while reading them; pass on what was set."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return [SlotSet(k, v) for k, v in tracker.slots_to_validate().items() if k in required]


def _form_class(lookup: str) -> type[ValidateLookupForm]:
    attributes: dict[str, Any] = {"lookup": lookup, "__module__": __name__}
    return type(f"Validate{lookup.title().replace('_', '')}Form", (ValidateLookupForm,), attributes)


# One registered action per lookup form (rasa-sdk registers every concrete subclass);
# the lookups themselves are content (data/lookups).
FORM_VALIDATORS = {lookup: _form_class(lookup) for lookup in all_lookups()}
