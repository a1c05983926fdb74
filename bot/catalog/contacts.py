"""Whom a person should call about their conversation, from the catalog.

Shared by the channels' apologies (connectors/guard.py) and the web app's callback
offer to a person left waiting for an agent (bot/web/handoff.py); free of Rasa, so the
web app can ask without loading it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.catalog.queries import GENERAL_CONTACT_AGENCY, get_agency, get_life_experience, get_service
from bot.insights.summaries import lookup_content


@dataclass(frozen=True)
class Contact:
    agency: str
    phone: str
    hours: str = ""


def contact_for(slots: dict[str, Any]) -> Contact | None:
    """Who to call about this conversation: the lookup's service, the life experience's
    lead agency, else USAGov. Blocking (catalog queries); run in a thread."""
    lookup = lookup_content().get(slots.get("lookup") or "") or {}
    service = get_service(lookup["service"]) if lookup.get("service") else None
    if service is not None:
        return Contact(
            service.agency.name, service.phone or service.agency.phone, service.hours or ""
        )
    experience_id = slots.get("life_experience")
    experience = get_life_experience(experience_id) if experience_id else None
    agency = experience.contact if experience else None
    agency = agency or get_agency(GENERAL_CONTACT_AGENCY)
    return Contact(agency.name, agency.phone, agency.hours or "") if agency else None
