"""The shape of the catalog seed files, validated before anything is written.

A broken link or phone number in content must fail loudly at seed time with the
file and entry named, not surface later as a dead link in a chat.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, root_validator, validator

# US numbers as agencies publish them: 800-772-1213, 1-800-772-1213, (202) 555-0100,
# or 711 (the relay service some agencies give as their TTY).
_PHONE = re.compile(r"^((1-)?(\(\d{3}\) |\d{3}-)\d{3}-\d{4}|711)$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc or " " in value:
        raise ValueError(f"must be a well-formed https address, got {value!r}")
    return value


def _check_phone(value: str | None) -> str | None:
    if value is not None and not _PHONE.match(value):
        raise ValueError(f"must be a US phone number like 800-772-1213, got {value!r}")
    return value


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"ids are lower_snake_case, got {value!r}")
    return value


class AgencySeed(BaseModel):
    id: str
    name: str
    acronym: str
    url: str
    phone: str
    tty: str | None = None
    hours: str | None = None

    _id = validator("id", allow_reuse=True)(_check_id)
    _url = validator("url", allow_reuse=True)(_check_url)
    _phones = validator("phone", "tty", allow_reuse=True)(_check_phone)

    class Config:
        extra = "forbid"


class ServiceSeed(BaseModel):
    id: str
    agency: str
    title: str
    summary: str
    url: str
    phone: str | None = None
    hours: str | None = None
    eligibility: str | None = None
    documents: list[str] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    # Phrases that name this service in a first message ("renew my passport"): the
    # bot then answers about it directly instead of asking its questions.
    keywords: list[str] = Field(default_factory=list)

    _id = validator("id", allow_reuse=True)(_check_id)
    _url = validator("url", allow_reuse=True)(_check_url)
    _phone = validator("phone", allow_reuse=True)(_check_phone)

    @validator("keywords", each_item=True)
    def _lowercase_phrase(cls, value: str) -> str:
        if value != value.lower().strip() or not value:
            raise ValueError(f"keywords are lowercase phrases, got {value!r}")
        return value

    class Config:
        extra = "forbid"


class OfferSeed(BaseModel):
    service: str
    when: dict[str, str | bool] = Field(default_factory=dict)

    class Config:
        extra = "forbid"


class LifeExperienceSeed(BaseModel):
    id: str
    title: str
    summary: str
    questions: list[str] = Field(default_factory=list)
    contact: str | None = None  # agency id for "talk to a person"
    offers: list[OfferSeed]

    _id = validator("id", allow_reuse=True)(_check_id)

    @validator("questions")
    def _at_most_two(cls, value: list[str]) -> list[str]:
        if len(value) > 2:
            raise ValueError("ask at most two clarifying questions")
        return value

    class Config:
        extra = "forbid"


class CatalogSeed(BaseModel):
    agencies: list[AgencySeed]
    services: list[ServiceSeed]
    life_experiences: list[LifeExperienceSeed]

    @root_validator(skip_on_failure=True)
    def _references_resolve(cls, values: dict) -> dict:
        agencies = {a.id for a in values["agencies"]}
        services = {s.id for s in values["services"]}
        problems = []
        for kind, ids in (
            ("agency", [a.id for a in values["agencies"]]),
            ("service", [s.id for s in values["services"]]),
            ("life experience", [e.id for e in values["life_experiences"]]),
        ):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            problems += [f"{kind} {d!r} is defined twice" for d in dupes]
        problems += [
            f"service {s.id!r} names unknown agency {s.agency!r}"
            for s in values["services"]
            if s.agency not in agencies
        ]
        for exp in values["life_experiences"]:
            if exp.contact is not None and exp.contact not in agencies:
                problems.append(f"life experience {exp.id!r} names unknown contact {exp.contact!r}")
            problems += [
                f"life experience {exp.id!r} offers unknown service {o.service!r}"
                for o in exp.offers
                if o.service not in services
            ]
            problems += [
                f"life experience {exp.id!r} offers {o.service!r} on an answer "
                f"{sorted(set(o.when) - set(exp.questions))} it never asks"
                for o in exp.offers
                if set(o.when) - set(exp.questions)
            ]
        if problems:
            raise ValueError("; ".join(problems))
        return values
