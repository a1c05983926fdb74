"""The inbox: what people really wrote that the assistant did not understand.

Content staff turn these messages into training examples (assigned to an intent) or set
them aside (dismissed). Messages are read from the tracker store through
bot.insights.tracker_source and masked again (defence in depth: a store written before
masking, or by another path, must not show staff an SSN or a lookup's answers); they never
carry the raw conversation id. A decision is kept per message text (its `key`), so the
same words from another conversation stay decided.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Column, DateTime, Integer, String, select
from sqlalchemy.exc import IntegrityError

from bot.db import Base, ensure_tables, session_scope
from bot.insights.tracker_source import Conversation, Event, iter_conversations
from bot.privacy import IDENTITY_ANSWER, mask_events, mask_text
from bot.settings import Settings, get_settings
from bot.studio.checks import SIMILAR_THRESHOLD, ExampleRef, SimilarityIndex, normalize

FALLBACK_INTENT = "nlu_fallback"
# The studio's own try-it chat: staff testing a draft, not the public.
STUDIO_SENDER_PREFIX = "studio-"
DEFAULT_LIMIT = 500
DECISIONS = ("assigned", "dismissed")


@dataclass(frozen=True)
class InboxMessage:
    """One message the assistant did not understand, safe to show to content staff."""

    key: str  # sha256 of the normalized masked text: the same words share a decision
    text: str  # masked
    intent: str | None  # as predicted: "nlu_fallback" when the assistant gave up
    confidence: float | None
    suggestion: str | None  # the best real intent of the ranking (never nlu_fallback)
    suggestion_confidence: float | None
    timestamp: datetime  # UTC
    conversation: str  # a hash of the conversation id, to tell conversations apart
    channel: str | None


@dataclass(frozen=True)
class InboxGroup:
    """Messages that say the same thing, to be decided together."""

    text: str  # the most frequent wording
    count: int
    members: tuple[InboxMessage, ...]
    suggestion: str | None  # the intent the assistant leaned to most

    @property
    def keys(self) -> list[str]:
        """The distinct keys to decide for the whole group."""
        return list(dict.fromkeys(m.key for m in self.members))

    @property
    def latest(self) -> datetime:
        return max(m.timestamp for m in self.members)


def message_key(masked_text: str) -> str:
    return hashlib.sha256(normalize(masked_text).encode()).hexdigest()


def conversation_hash(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode()).hexdigest()[:16]


# ------------------------------------------------------------------ collecting


def collect(
    settings: Settings | None = None,
    since: datetime | None = None,
    threshold: float | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[InboxMessage]:
    """The newest `limit` messages not understood (predicted `nlu_fallback`, or an intent
    with confidence below `threshold`), newest first, from the configured tracker store."""
    settings = settings or get_settings()
    if threshold is None:
        threshold = settings.studio_inbox_confidence
    epoch = _epoch(since)
    conversations = iter_conversations(settings, since=epoch)
    return messages_from(conversations, epoch, threshold, limit)


def messages_from(
    conversations: Iterable[Conversation], since: float | None, threshold: float, limit: int
) -> list[InboxMessage]:
    """`collect` over conversations already read; memory stays bounded by `limit`."""
    found = (
        message
        for sender, events in conversations
        if not sender.startswith(STUDIO_SENDER_PREFIX)
        for message in _not_understood(sender, events, since, threshold)
    )
    return heapq.nlargest(limit, found, key=lambda m: m.timestamp)


def _epoch(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # the product database keeps naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _not_understood(
    sender: str, events: list[Event], since: float | None, threshold: float
) -> Iterator[InboxMessage]:
    # As the store should already hold them: identity answers given during a lookup
    # (a last name, a birth date) dropped, identifiers masked.
    for event in mask_events(events):
        if event.get("event") != "user" or not _is_typed(event.get("text")):
            continue
        timestamp = event.get("timestamp")
        if not isinstance(timestamp, int | float) or (since is not None and timestamp <= since):
            continue
        parse_data = event.get("parse_data") or {}
        intent, confidence = _intent(parse_data.get("intent"))
        if intent == FALLBACK_INTENT or (confidence is not None and confidence < threshold):
            yield _message(sender, event, timestamp, intent, confidence, parse_data)


def _is_typed(text: Any) -> bool:
    """Words a person typed: not a button payload ("/affirm"), not an identity answer
    already replaced by bot.privacy."""
    if not isinstance(text, str) or not text.strip():
        return False
    return not text.startswith("/") and text != IDENTITY_ANSWER


def _intent(entry: Any) -> tuple[str | None, float | None]:
    if not isinstance(entry, dict):
        return None, None
    confidence = entry.get("confidence")
    return entry.get("name"), float(confidence) if isinstance(confidence, int | float) else None


def _message(
    sender: str,
    event: Event,
    timestamp: float,
    intent: str | None,
    confidence: float | None,
    parse_data: dict[str, Any],
) -> InboxMessage:
    text = mask_text(" ".join(event["text"].split()))
    suggestion, suggestion_confidence = _suggestion(parse_data, intent, confidence)
    return InboxMessage(
        key=message_key(text),
        text=text,
        intent=intent,
        confidence=confidence,
        suggestion=suggestion,
        suggestion_confidence=suggestion_confidence,
        timestamp=datetime.fromtimestamp(timestamp, timezone.utc),
        conversation=conversation_hash(sender),
        channel=event.get("input_channel"),
    )


def _suggestion(
    parse_data: dict[str, Any], intent: str | None, confidence: float | None
) -> tuple[str | None, float | None]:
    """The best intent other than the fallback: Rasa's FallbackClassifier puts
    nlu_fallback first in the ranking and keeps the model's own guesses after it."""
    for entry in parse_data.get("intent_ranking") or []:
        name, score = _intent(entry)
        if name and name != FALLBACK_INTENT:
            return name, score
    if intent and intent != FALLBACK_INTENT:
        return intent, confidence
    return None, None


# ------------------------------------------------------------------ grouping


def group(
    messages: Iterable[InboxMessage], threshold: float = SIMILAR_THRESHOLD
) -> list[InboxGroup]:
    """Messages gathered by similarity (the measure of bot.studio.checks), biggest group
    first. The same words always share a group; frequent wordings are placed first, and
    each further wording joins the group of the wording it is closest to."""
    by_key: dict[str, list[InboxMessage]] = {}
    for message in messages:
        by_key.setdefault(message.key, []).append(message)
    wordings = sorted(by_key.values(), key=lambda ms: (-len(ms), -_latest(ms)))
    placed = SimilarityIndex()  # every wording placed so far
    group_of: list[int] = []  # index position -> group number
    gathered: list[list[InboxMessage]] = []
    for wording in wordings:
        hits = placed.search(wording[0].text, threshold, limit=1)
        if hits:
            number = group_of[hits[0][0]]
            gathered[number].extend(wording)
        else:
            number = len(gathered)
            gathered.append(list(wording))
        placed.add(ExampleRef("", wording[0].text))
        group_of.append(number)
    groups = [_group(members) for members in gathered]
    return sorted(groups, key=lambda g: (-g.count, -g.latest.timestamp()))


def _latest(messages: list[InboxMessage]) -> float:
    return max(m.timestamp for m in messages).timestamp()


def _group(members: list[InboxMessage]) -> InboxGroup:
    members = sorted(members, key=lambda m: m.timestamp, reverse=True)
    wording = Counter(m.key for m in members).most_common(1)[0][0]
    return InboxGroup(
        text=next(m.text for m in members if m.key == wording),
        count=len(members),
        members=tuple(members),
        suggestion=_top_suggestion(members),
    )


def _top_suggestion(members: list[InboxMessage]) -> str | None:
    """The intent suggested most often; equal counts go to the higher total confidence."""
    votes: Counter[str] = Counter()
    weight: Counter[str] = Counter()
    for m in members:
        if m.suggestion:
            votes[m.suggestion] += 1
            weight[m.suggestion] += m.suggestion_confidence or 0.0
    if not votes:
        return None
    return max(votes, key=lambda intent: (votes[intent], weight[intent], intent))


# ------------------------------------------------------------------ decisions


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class StudioInboxDecision(Base):
    """What content staff did with a message text: assigned it to an intent, or dismissed
    it. Holds the key only, never the text."""

    __tablename__ = "studio_inbox_decisions"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    decision = Column(String(20), nullable=False)  # "assigned" | "dismissed"
    intent = Column(String(100))  # set when assigned
    decided_by = Column(String(64), nullable=False)
    decided_at = Column(DateTime, nullable=False, default=utcnow)


@dataclass(frozen=True)
class Decision:
    key: str
    decision: str
    intent: str | None
    decided_by: str
    decided_at: datetime


def _ready(url: str | None) -> str:
    url = url or get_settings().product_database_url
    ensure_tables(url, [StudioInboxDecision.__table__])
    return url


def decide(url: str | None, key: str, decision: str, intent: str | None, actor: str) -> Decision:
    """Records (or replaces) the decision on a message text; the message leaves the inbox."""
    _validate(key, decision, intent)
    url = _ready(url)
    try:
        return _write(url, key, decision, intent, actor)
    except IntegrityError:  # another editor decided the same text at the same moment
        return _write(url, key, decision, intent, actor)  # now an update of theirs


def _write(url: str, key: str, decision: str, intent: str | None, actor: str) -> Decision:
    with session_scope(url) as session:
        row = session.scalar(select(StudioInboxDecision).where(StudioInboxDecision.key == key))
        if row is None:
            row = StudioInboxDecision(key=key)
            session.add(row)
        row.decision, row.intent = decision, intent
        row.decided_by, row.decided_at = actor, utcnow()
        result = Decision(key, decision, intent, actor, row.decided_at)
    return result


def _validate(key: str, decision: str, intent: str | None) -> None:
    if len(key) != 64:
        raise ValueError("That message is not in the inbox: its key is not valid.")
    if decision not in DECISIONS:
        raise ValueError(f"A message can only be {' or '.join(DECISIONS)}, not {decision!r}.")
    if decision == "assigned" and not intent:
        raise ValueError("Choose the intent this message belongs to.")
    if decision == "dismissed" and intent:
        raise ValueError("A dismissed message belongs to no intent.")


def decided_keys(url: str | None, keys: Iterable[str]) -> set[str]:
    """The keys among `keys` that have a decision."""
    url = _ready(url)
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    with session_scope(url) as session:
        for start in range(0, len(wanted), 500):  # bounded IN lists on every database
            chunk = wanted[start : start + 500]
            query = select(StudioInboxDecision.key).where(StudioInboxDecision.key.in_(chunk))
            found.update(session.scalars(query))
    return found


def pending(messages: Iterable[InboxMessage], url: str | None = None) -> list[InboxMessage]:
    """The messages nobody has decided on yet, in their order."""
    messages = list(messages)
    done = decided_keys(url, (m.key for m in messages))
    return [m for m in messages if m.key not in done]
