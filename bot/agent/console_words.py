"""Catalog ids in the words an agent reads: a life experience's title, a status lookup's
service, how a lookup ended. Internal ids (`retirement`, `passport`, `usda_fsa`) are
the code's, never the agent's screen or notes. Blocking (catalog queries)."""

from __future__ import annotations

from bot.catalog.queries import get_life_experience, get_service
from bot.insights.summaries import lookup_content

UNKNOWN_LOOKUP = "a status lookup"
OUTCOME_WORDS = {
    "found": "status given",
    "no_match": "details did not match",
    "outage": "agency system unavailable",
    "locked": "locked after failed attempts",
    "withheld": "withheld until verification",
}


def life_experience_title(experience_id: str) -> str:
    experience = get_life_experience(experience_id)
    return experience.title if experience else "a life experience"


def lookup_title(lookup: str) -> str:
    """The service a lookup checks the status of ("Check your passport status")."""
    service_id = (lookup_content().get(lookup) or {}).get("service")
    service = get_service(service_id) if service_id else None
    return service.title if service else UNKNOWN_LOOKUP


def verified_for(lookup: str) -> str:
    """Whom the caller was verified for: the agency of the lookup's service."""
    service_id = (lookup_content().get(lookup) or {}).get("service")
    service = get_service(service_id) if service_id else None
    return service.agency.name if service else UNKNOWN_LOOKUP


def outcome_words(outcome: str | None) -> str:
    return OUTCOME_WORDS.get(outcome or "", "outcome not recorded")
