"""The warm-handoff queue: who waits for a person, and which agent holds which conversation.

One small protocol with two backends chosen from settings, like the tracker store: Redis
when REDIS_URL is set (several Rasa replicas and web processes share one queue), else
the product database through SQLAlchemy (bot.handoff.sql_queue). Both give the same
answers, and the tests run every behaviour against both.

The life of one conversation:

    join      -> waiting (place 1, 2, ...)    the person asked for a person
    claim     -> held by one agent            exactly one of racing agents wins
    release   -> back to the assistant        the agent handed it back or closed it
    leave     -> gone                         the person ended the chat or took a callback

Nothing lives forever: a wait or a claim lapses `stale_seconds` (CX_HANDOFF_STALE_SECONDS)
after it began, so a chat abandoned in the line stops showing in the console and a
conversation whose agent never handed it back is answered by the assistant again.
Every time is epoch seconds; `now` is injectable so callers and tests need no clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.auth.models import USERNAME_PATTERN
from bot.unicode_text import repaired_text

if TYPE_CHECKING:
    from bot.settings import Settings

# Matches connectors/rest.py SENDER_ID and the 128-character conversation ids of the
# product database, so any conversation a channel accepts fits the queue.
MAX_CONVERSATION_ID = 128
MAX_CHANNEL = 40
# One paragraph for the console; longer summaries are cut, not refused (they are
# generated, and a long one must not keep a person out of the line).
MAX_SUMMARY = 1000
ELLIPSIS = "…"


@dataclass(frozen=True)
class Waiting:
    """One conversation in line, as the agent console lists it."""

    conversation_id: str
    channel: str  # "website", "rest"
    summary: str  # one paragraph, masked by the caller (bot.privacy) before it joined
    enqueued_at: float  # epoch seconds of the first join

    def wait_seconds(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.enqueued_at)


@dataclass(frozen=True)
class Claim:
    """Which agent holds a conversation; while one exists the assistant stays silent."""

    conversation_id: str
    agent: str  # staff username
    claimed_at: float


class AlreadyClaimed(Exception):
    """Another agent holds the conversation; `.by` names them for the console."""

    def __init__(self, conversation_id: str, by: str) -> None:
        super().__init__(f"conversation {conversation_id!r} is already with agent {by!r}")
        self.conversation_id = conversation_id
        self.by = by


class NotWaiting(Exception):
    """Claimed a conversation that is not in line: never joined, left, or lapsed."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"conversation {conversation_id!r} is not waiting for an agent")
        self.conversation_id = conversation_id


@runtime_checkable
class HandoffQueue(Protocol):
    """What channels and the agent console use; backends raise their own connection errors
    (redis.RedisError, sqlalchemy.exc.SQLAlchemyError) and the caller decides."""

    def join(
        self, conversation_id: str, channel: str, summary: str, now: float | None = None
    ) -> int:
        """Puts the conversation in line and returns its 1-based place. Joining again keeps
        the original place and time and updates the summary. AlreadyClaimed if an agent
        holds it already."""
        ...

    def place(self, conversation_id: str, now: float | None = None) -> int | None:
        """1-based place in line, None when not waiting (claimed, left, lapsed, never)."""
        ...

    def waiting(self, now: float | None = None) -> list[Waiting]:
        """Every conversation in line, oldest first."""
        ...

    def claim(self, conversation_id: str, agent: str, now: float | None = None) -> Claim:
        """Takes the conversation out of line for `agent`, atomically across processes:
        of agents racing, one wins and the others get AlreadyClaimed naming the winner.
        Claiming one's own conversation again returns the existing claim. NotWaiting when
        it is neither in line nor held."""
        ...

    def holder(self, conversation_id: str, now: float | None = None) -> Claim | None:
        """The claim on the conversation, if any: channels ask on every message (one
        round trip) and keep the assistant silent while there is one."""
        ...

    def release(self, conversation_id: str, agent: str, now: float | None = None) -> None:
        """Hands the conversation back to the assistant (or closes it). Only the holder may;
        AlreadyClaimed if another agent holds it; nothing happens if nobody does."""
        ...

    def leave(self, conversation_id: str) -> None:
        """Takes the conversation out of line (chat ended, callback taken); a no-op when it
        is not waiting. A claim is not touched: the agent closes it with release."""
        ...

    def overdue(self, older_than_seconds: float, now: float | None = None) -> list[Waiting]:
        """Conversations waiting at least that long, oldest first, to be offered a callback.
        A query, not an event: the same ones come back until they are claimed or leave."""
        ...


def check_conversation_id(conversation_id: str) -> str:
    if not isinstance(conversation_id, str) or not conversation_id.strip():
        raise ValueError("conversation_id must be a non-empty string")
    if len(conversation_id) > MAX_CONVERSATION_ID:
        raise ValueError(
            f"conversation_id is {len(conversation_id)} characters long; "
            f"at most {MAX_CONVERSATION_ID} are allowed"
        )
    return conversation_id


def check_agent(agent: str) -> str:
    """Agents are staff usernames (bot.auth.models), never display names."""
    if not isinstance(agent, str) or not USERNAME_PATTERN.fullmatch(agent):
        raise ValueError(f"agent must be a staff username (3-64 of a-z 0-9 . _ -), got {agent!r}")
    return agent


def check_channel(channel: str) -> str:
    if not isinstance(channel, str) or not channel.strip() or len(channel) > MAX_CHANNEL:
        raise ValueError(f"channel must be a name of 1-{MAX_CHANNEL} characters, got {channel!r}")
    return channel


def clean_summary(summary: str) -> str:
    """The summary as stored: valid Unicode (neither Redis nor a database driver can
    write a lone surrogate), stripped and cut to MAX_SUMMARY characters."""
    if not isinstance(summary, str):
        raise ValueError("summary must be a string")
    summary = repaired_text(summary).strip()
    if len(summary) > MAX_SUMMARY:
        summary = summary[: MAX_SUMMARY - len(ELLIPSIS)].rstrip() + ELLIPSIS
    return summary


def check_stale_seconds(stale_seconds: float) -> float:
    if stale_seconds <= 0:
        raise ValueError(f"stale_seconds must be positive, got {stale_seconds!r}")
    return stale_seconds


def clock(now: float | None) -> float:
    return time.time() if now is None else float(now)


def queue_for(settings: Settings) -> HandoffQueue:
    """The queue the settings select: Redis when REDIS_URL is set, else the product
    database. Backends are imported here so importing this module stays cheap."""
    if settings.redis_url:
        from bot.handoff.redis_queue import RedisHandoffQueue

        return RedisHandoffQueue.from_settings(settings)
    from bot.handoff.sql_queue import SqlHandoffQueue

    return SqlHandoffQueue(
        settings.product_database_url, stale_seconds=settings.handoff_stale_seconds
    )
