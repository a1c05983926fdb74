"""What the console keeps about a call: verifications and wrap-ups, and the drafted note.

Everything here is written by a signed-in agent through bot/web/agent.py; nothing
holds an identifier (notes are masked before they are stored).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.agent.console_words import (
    life_experience_title,
    lookup_title,
    outcome_words,
    verified_for,
)
from bot.agent.dispositions import active_dispositions
from bot.agent.models import CallVerification, CallWrapup, ConsoleCall
from bot.catalog.queries import get_service
from bot.db import ensure_tables, session_scope
from bot.insights.summaries import summarize
from bot.privacy import mask_text
from bot.settings import get_settings

MAX_NOTE_CHARS = 4000
TABLES = [ConsoleCall.__table__, CallVerification.__table__, CallWrapup.__table__]


class WrapupRefused(ValueError):
    """A wrap-up the agent must correct; `message` says how, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Wrapup:
    conversation_id: str
    agent: str
    disposition: str
    note: str
    created_at: datetime


def _url(url: str | None) -> str:
    url = url or get_settings().product_database_url
    ensure_tables(url, TABLES)
    return url


def open_call(conversation_id: str, agent: str, url: str | None = None) -> None:
    """The call is `agent`'s: recorded before its first turn."""
    with session_scope(_url(url)) as session:
        session.add(ConsoleCall(conversation_id=conversation_id, agent=agent))


def call_agent(conversation_id: str, url: str | None = None) -> str | None:
    """Who started the call; None when the console never started it (a web chat)."""
    with session_scope(_url(url)) as session:
        return session.scalar(
            select(ConsoleCall.agent).where(ConsoleCall.conversation_id == conversation_id)
        )


def record_verification(
    conversation_id: str, lookup: str, agent: str, url: str | None = None
) -> None:
    """Who verified the caller for which agency, once per call and lookup."""
    try:
        with session_scope(_url(url)) as session:
            session.add(
                CallVerification(conversation_id=conversation_id, lookup=lookup, agent=agent)
            )
    except IntegrityError:
        pass  # already recorded (a double click, or a supervisor on the same call)


def verified_lookups(conversation_id: str, url: str | None = None) -> list[str]:
    with session_scope(_url(url)) as session:
        rows = session.scalars(
            select(CallVerification.lookup)
            .where(CallVerification.conversation_id == conversation_id)
            .order_by(CallVerification.id)
        )
        return list(rows)


def save_wrapup(
    conversation_id: str, agent: str, disposition: str, note: str, url: str | None = None
) -> Wrapup:
    codes = {d.code for d in active_dispositions()}
    if disposition not in codes:
        raise WrapupRefused("Choose how the call ended (a disposition) before saving.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise WrapupRefused(
            f"The note is {len(note)} characters long; keep it under {MAX_NOTE_CHARS}."
        )
    row = CallWrapup(
        conversation_id=conversation_id, agent=agent, disposition=disposition, note=mask_text(note)
    )
    with session_scope(_url(url)) as session:
        session.add(row)
        session.flush()
        return _wrapup(row)


def wrapups(conversation_id: str, url: str | None = None) -> list[Wrapup]:
    """Every wrap-up saved for the call, oldest first (the last one counts)."""
    with session_scope(_url(url)) as session:
        rows = session.scalars(
            select(CallWrapup)
            .where(CallWrapup.conversation_id == conversation_id)
            .order_by(CallWrapup.id)
        )
        return [_wrapup(row) for row in rows]


def _wrapup(row: CallWrapup) -> Wrapup:
    return Wrapup(row.conversation_id, row.agent, row.disposition, row.note, row.created_at)


def draft_note(
    conversation_id: str,
    events: Iterable[dict[str, Any]],
    verified: Iterable[str] = (),
    who: str = "Caller",
) -> str:
    """The call note an agent starts from: the life experience, the services offered and
    the lookups done, in words, with identifiers masked. `who` names the person
    ("Caller" on the phone, "Person" in a web chat)."""
    events = list(events)
    summary = summarize(conversation_id, events)
    if summary is None:
        return f"{who} did not get past the greeting."
    lines: list[str] = []
    first = next((e.get("text") for e in events if e.get("event") == "user" and e.get("text")), "")
    if first and not first.startswith("/"):
        lines.append(f'{who} asked: "{mask_text(first)[:200]}".')
    titles = [life_experience_title(e) for e in summary.life_experiences]
    if titles:
        lines.append("Life experience: " + ", ".join(titles) + ".")
    services = [service.title if (service := get_service(s)) else s for s in summary.services]
    if services:
        lines.append("Services offered: " + "; ".join(services) + ".")
    for lookup in summary.lookups:
        title = lookup_title(lookup.get("lookup") or "")
        lines.append(f"Status lookup ({title}): {outcome_words(lookup.get('outcome'))}.")
    verified = list(verified)
    if verified:
        lines.append(f"{who} verified for: " + ", ".join(verified_for(v) for v in verified) + ".")
    if summary.handoff:
        lines.append(f"{who} asked for a person.")
    return mask_text(" ".join(lines))


def chat_summary(conversation_id: str, events: Iterable[dict[str, Any]]) -> str:
    """The one paragraph the handoff queue shows agents about a web chat: the note's
    facts (what was asked, life experience, services, lookups), and whether an agency
    matched the person's details, masked. Blocking (catalog queries); run in a thread."""
    events = list(events)
    summary = summarize(conversation_id, events)
    matched = [
        (lookup.get("lookup") or "").replace("_", " ")
        for lookup in (summary.lookups if summary else [])
        if lookup.get("outcome") == "found"
    ]
    verified = (
        "Details matched agency records for: " + ", ".join(matched) + "."
        if matched
        else "Not verified."
    )
    return mask_text(f"{draft_note(conversation_id, events, who='Person')} {verified}")
