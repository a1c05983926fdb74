"""Read-only views of the catalog for the action server and the web app.

Returns frozen dataclasses, detached from the session, so callers never hold a
database connection while they talk to a person or an agency. Views are cached
per process for a short time: the catalog changes only when staff publish, and
every conversation turn would otherwise query it again.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache, cached
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from bot.catalog.models import Agency, LifeExperience, Offer, Service
from bot.db import session_scope
from bot.settings import get_settings

CACHE_SECONDS = 60
# Fallback contact when no life experience is known yet: USAGov answers any federal question.
GENERAL_CONTACT_AGENCY = "usagov"

_cache: TTLCache = TTLCache(maxsize=256, ttl=CACHE_SECONDS)
_lock = threading.RLock()  # actions query from a thread pool


@dataclass(frozen=True)
class AgencyView:
    id: str
    name: str
    acronym: str
    url: str
    phone: str
    tty: str | None
    hours: str | None


@dataclass(frozen=True)
class ServiceView:
    id: str
    title: str
    summary: str
    url: str
    phone: str
    hours: str | None
    eligibility: str | None
    documents: tuple[str, ...]
    steps: tuple[str, ...]
    keywords: tuple[str, ...]
    agency: AgencyView


@dataclass(frozen=True)
class OfferView:
    service: ServiceView
    when: dict[str, Any]

    def matches(self, answers: dict[str, str | None]) -> bool:
        """Offered unless an answer contradicts a condition; unknown answers never exclude."""
        for slot, wanted in self.when.items():
            answer = answers.get(slot)
            if answer in ("yes", "no") and (answer == "yes") != bool(wanted):
                return False
        return True


@dataclass(frozen=True)
class LifeExperienceView:
    id: str
    title: str
    summary: str
    questions: tuple[str, ...]
    offers: tuple[OfferView, ...]
    contact: AgencyView | None

    def next_steps(
        self, answers: dict[str, str | None], limit: int = 5, agency: str | None = None
    ) -> list[ServiceView]:
        """The first matching offers; a named agency's services come first."""
        matching = [o.service for o in self.offers if o.matches(answers)]
        if agency:
            matching.sort(key=lambda service: service.agency.id != agency)
        return matching[:limit]

    def named_service(self, text: str) -> str | None:
        """The offered service a message names by one of its keywords (the longest wins)."""
        lowered = " ".join(text.lower().split())
        hits = [
            (len(keyword), offer.service.id)
            for offer in self.offers
            for keyword in offer.service.keywords
            if re.search(rf"\b{re.escape(keyword)}\b", lowered)
        ]
        return max(hits)[1] if hits else None


@dataclass(frozen=True)
class LifeExperienceSummary:
    id: str
    title: str
    summary: str


def _agency(row: Agency) -> AgencyView:
    return AgencyView(row.id, row.name, row.acronym, row.url, row.phone, row.tty, row.hours)


def _service(row: Service) -> ServiceView:
    return ServiceView(
        id=row.id,
        title=row.title,
        summary=row.summary,
        url=row.url,
        phone=row.contact_phone,
        hours=row.hours or row.agency.hours,
        eligibility=row.eligibility,
        documents=tuple(row.documents or ()),
        steps=tuple(row.steps or ()),
        keywords=tuple(row.keywords or ()),
        agency=_agency(row.agency),
    )


def _url(url: str | None) -> str:
    return url or get_settings().product_database_url


@cached(_cache, key=lambda url=None: ("experiences", _url(url)), lock=_lock)
def list_life_experiences(url: str | None = None) -> list[LifeExperienceSummary]:
    with session_scope(_url(url)) as session:
        rows = session.scalars(select(LifeExperience).order_by(LifeExperience.position))
        return [LifeExperienceSummary(r.id, r.title, r.summary) for r in rows]


@cached(
    _cache, key=lambda experience_id, url=None: ("experience", experience_id, _url(url)), lock=_lock
)
def get_life_experience(experience_id: str, url: str | None = None) -> LifeExperienceView | None:
    with session_scope(_url(url)) as session:
        row = session.scalars(
            select(LifeExperience)
            .where(LifeExperience.id == experience_id)
            .options(
                selectinload(LifeExperience.offers)
                .joinedload(Offer.service)
                .joinedload(Service.agency),
                joinedload(LifeExperience.contact_agency),
            )
        ).first()
        if row is None:
            return None
        offers = tuple(OfferView(_service(o.service), dict(o.when or {})) for o in row.offers)
        contact = row.contact_agency or (offers[0].service.agency if offers else None)
        if contact is not None and not isinstance(contact, AgencyView):
            contact = _agency(contact)
        return LifeExperienceView(
            row.id, row.title, row.summary, tuple(row.questions or ()), offers, contact
        )


@cached(_cache, key=lambda service_id, url=None: ("service", service_id, _url(url)), lock=_lock)
def get_service(service_id: str, url: str | None = None) -> ServiceView | None:
    with session_scope(_url(url)) as session:
        row = session.scalars(
            select(Service).where(Service.id == service_id).options(joinedload(Service.agency))
        ).first()
        return _service(row) if row else None


@cached(_cache, key=lambda agency_id, url=None: ("agency", agency_id, _url(url)), lock=_lock)
def get_agency(agency_id: str, url: str | None = None) -> AgencyView | None:
    with session_scope(_url(url)) as session:
        row = session.get(Agency, agency_id)
        return _agency(row) if row else None


def clear_cache() -> None:
    """Forget cached views (after a publish, and between tests)."""
    _cache.clear()
