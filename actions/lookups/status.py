"""Start, run and cancel a case-status lookup.

The answer follows one rule: say only what the agency confirmed, in plain words,
and when anything goes wrong, say so honestly with the agency's phone number.
A mismatch reads the same whether the case does not exist or the details are
wrong, so the chat cannot be used to probe who has a case. Misses are counted per
case and per address outside the conversation (actions/lookups/misses.py): past the
limit the agency is not asked, and everyone hears the same "call the agency".

On the agent console a caller's details are read out by an agent, so the agency's
match is not enough: the agent must also have completed that agency's verification
checklist (slot `verified_lookups`, set by the console through Rasa's HTTP API, which
no person can reach). Until then this server withholds the status; the page is not
trusted to hide it. The caller's details are then kept (in the vault, which forgets
them after its TTL) so that "Look up again" once the checklist is done runs the lookup
without asking the caller for them a second time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import vault
from actions.clients import client_for
from actions.clients.base import LookupResult
from actions.clients.content import LookupContent, StatusWords, load_lookup
from actions.lookups.misses import address_key, case_key, shared_ledger
from actions.survey import offer_survey
from bot.catalog.queries import ServiceView, get_service
from bot.pseudonyms import ADDRESS_METADATA_KEY

log = logging.getLogger(__name__)
MAX_FAILED_ATTEMPTS = 3
AGENT_CHANNEL = "agent_console"


def identity_slots(domain: DomainDict, lookup: str) -> list[str]:
    return list(domain.get("forms", {}).get(f"{lookup}_form", {}).get("required_slots", []))


def clear_identity(tracker: Tracker, domain: DomainDict) -> list[EventType]:
    """Forget every identity detail: vault entries and the slots that referred to them."""
    slots = {s for form in domain.get("forms", {}).values() for s in form.get("required_slots", [])}
    slots.discard("life_experience")
    events: list[EventType] = []
    for slot in sorted(slots):
        value = tracker.get_slot(slot)
        if value is not None:
            vault.forget(value)
            events.append(SlotSet(slot, None))
    return events


def spoken_date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


async def _service_of(content: LookupContent) -> ServiceView:
    service = await asyncio.to_thread(get_service, content.service)
    if service is None:
        raise LookupError(f"lookup {content.lookup!r} names unknown service {content.service!r}")
    return service


def outcome(value: str) -> list[EventType]:
    """How the lookup ended, for analytics (found / no_match / outage / locked / withheld)."""
    return [SlotSet("lookup_outcome", value)]


def on_agent_console(tracker: Tracker) -> bool:
    return tracker.get_latest_input_channel() == AGENT_CHANNEL


def sender_address(tracker: Tracker) -> str | None:
    """The keyed hash of the address the latest message came from (set by the channel)."""
    metadata = tracker.latest_message.get("metadata")
    value = metadata.get(ADDRESS_METADATA_KEY) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) else None


def caller_verified(tracker: Tracker, lookup: str) -> bool:
    """Whether disclosing this lookup's status is allowed in this conversation: always on
    public channels (the person gave the details the agency matched), on the console only
    once the agent completed the agency's checklist."""
    if not on_agent_console(tracker):
        return True
    verified = tracker.get_slot("verified_lookups") or []
    return isinstance(verified, list) and lookup in verified


def verification_checklist(content: LookupContent, service: ServiceView) -> dict[str, Any]:
    """The console's checklist for this lookup (custom JSON; agent channel only)."""
    return {
        "verification": {
            "lookup": content.lookup,
            "agency": service.agency.name,
            "steps": content.verification,
        }
    }


def case_panel(
    content: LookupContent, service: ServiceView, result: LookupResult, words: StatusWords
) -> dict[str, Any]:
    """The structured result for the console's case panel (agent channel only)."""
    case = result.status
    assert case is not None
    return {
        "case": {
            "lookup": content.lookup,
            "agency": service.agency.name,
            "service": service.title,
            "status": case.status,
            "status_text": words.text,
            "last_changed": case.last_changed.isoformat() if case.last_changed else None,
            "facts": dict(case.facts),
            "items_heading": content.items_heading,
            "items": list(case.items),
            "next": words.next,
            "action": words.action,
            "url": service.url,
            "phone": service.phone,
        }
    }


class ActionStartLookup(Action):
    """Tells the person who will be asked and why, before the first question."""

    def name(self) -> str:
        return "action_start_lookup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lookup = tracker.get_slot("lookup")
        if not lookup or tracker.get_slot("lookup_locked"):
            return []
        content = load_lookup(lookup)
        service = await _service_of(content)
        dispatcher.utter_message(response="utter_lookup_intro", agency=service.agency.name)
        if not caller_verified(tracker, lookup):
            dispatcher.utter_message(json_message=verification_checklist(content, service))
        return []


class ActionLookupStatus(Action):
    """Calls the agency with the collected details and explains the answer."""

    def name(self) -> str:
        return "action_lookup_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lookup = tracker.get_slot("lookup")
        content = load_lookup(lookup)
        service = await _service_of(content)
        contact = {"agency": service.agency.name, "phone": service.phone}
        # Take the values out of the vault once; from here on they live only in this call.
        identity = {
            s: vault.redeem(tracker.get_slot(s) or "") for s in identity_slots(domain, lookup)
        }

        def cleanup() -> list[EventType]:
            """Forget the details: on every way out but a status withheld."""
            return clear_identity(tracker, domain)

        if tracker.get_slot("lookup_locked"):
            dispatcher.utter_message(response="utter_lookup_locked", **contact)
            return [*cleanup(), *outcome("locked")]
        if any(value is None for value in identity.values()):
            dispatcher.utter_message(response="utter_lookup_expired")
            return cleanup()
        ledger = shared_ledger()
        case = case_key(lookup, content.identified_by, identity)
        address = address_key(sender_address(tracker))
        try:
            attempt = await asyncio.to_thread(ledger.attempt, case, address)
        except Exception as error:  # Redis or the database: misses cannot be counted
            log.error("lookup %s: misses cannot be counted, not asking: %s", lookup, error)
            dispatcher.utter_message(response="utter_lookup_unavailable", **contact)
            return [*cleanup(), *outcome("outage")]
        if not attempt.allowed:
            dispatcher.utter_message(response="utter_lookup_locked", **contact)
            return [*cleanup(), *outcome("locked")]
        if not caller_verified(tracker, lookup):
            # The agency is not even asked: nothing to withhold, nothing to leak. The
            # details stay (as vault references) for "Look up again" after verification.
            await _settle(ledger.unanswered, case, address)
            dispatcher.utter_message(
                response="utter_lookup_withheld",
                buttons=[{"title": "Look up again", "payload": f"/{content.intent}"}],
                **contact,
            )
            dispatcher.utter_message(json_message=verification_checklist(content, service))
            return outcome("withheld")

        client = client_for(lookup)
        result: LookupResult = await asyncio.to_thread(client.lookup, **identity)
        log.info("lookup %s: %s (request %s)", lookup, result.outcome, result.request_id)

        if result.outcome == "found" and result.status is not None:
            await _settle(ledger.found, case, address)
            self._explain(dispatcher, tracker, content, service, result)
            return [*cleanup(), *outcome("found"), *offer_survey(dispatcher, tracker, "lookup")]
        if result.outcome == "no_match":
            failures = int(tracker.get_slot("lookup_failures") or 0) + 1
            if failures >= MAX_FAILED_ATTEMPTS or attempt.last:
                dispatcher.utter_message(response="utter_lookup_locked", **contact)
                return [
                    *cleanup(),
                    SlotSet("lookup_failures", failures),
                    SlotSet("lookup_locked", True),
                    *outcome("no_match"),
                    *offer_survey(dispatcher, tracker, "lookup"),
                ]
            dispatcher.utter_message(
                response="utter_lookup_no_match",
                buttons=[{"title": "Try again", "payload": f"/{content.intent}"}],
                **contact,
            )
            return [*cleanup(), SlotSet("lookup_failures", failures), *outcome("no_match")]
        await _settle(ledger.unanswered, case, address)
        dispatcher.utter_message(response="utter_lookup_unavailable", **contact)
        return [*cleanup(), *outcome("outage"), *offer_survey(dispatcher, tracker, "lookup")]

    @staticmethod
    def _explain(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        content: LookupContent,
        service: ServiceView,
        result: LookupResult,
    ) -> None:
        case = result.status
        assert case is not None
        words = content.statuses[case.status]
        if on_agent_console(tracker):
            dispatcher.utter_message(json_message=case_panel(content, service, result, words))
        dispatcher.utter_message(
            response="utter_lookup_status", agency=service.agency.name, status=words.text
        )
        if case.last_changed:
            dispatcher.utter_message(
                response="utter_lookup_last_change", date=spoken_date(case.last_changed)
            )
        if case.facts:
            facts = " ".join(f"{label}: {value}." for label, value in case.facts.items())
            dispatcher.utter_message(response="utter_lookup_facts", facts=facts)
        if case.items:
            dispatcher.utter_message(
                response="utter_lookup_items",
                heading=content.items_heading,
                items="; ".join(case.items),
            )
        dispatcher.utter_message(response="utter_lookup_next", next=words.next)
        dispatcher.utter_message(
            response="utter_lookup_action",
            action=words.action,
            url=service.url,
            phone=service.phone,
        )


async def _settle(outcome_of: Callable[[str, str], None], case: str, address: str) -> None:
    """Gives back what the attempt did not cost; a failure is logged, not said (the
    person's answer does not depend on it, and it can only leave a count too high)."""
    try:
        await asyncio.to_thread(outcome_of, case, address)
    except Exception as error:
        log.error("lookup miss counts not settled: %s", error)


class ActionCancelLookup(Action):
    """Stops whatever form is running and forgets the details given so far."""

    def name(self) -> str:
        return "action_cancel_lookup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_lookup_cancelled")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *clear_identity(tracker, domain)]
