"""What every input channel checks before a message reaches the assistant, and says
when the assistant itself fails.

Before: the text is a non-empty string of valid Unicode (no lone surrogate) within
CX_MAX_MESSAGE_CHARS, the sender and its network address are within their per-minute
budgets, and the conversation stores answer (Rasa would otherwise carry on in memory
and lose the conversation).
After: if handling raised, or produced no reply at all (Rasa swallows a failed
custom action, e.g. while the action server is down), the person gets an apology
with the phone number of the agency their conversation is about, never silence;
unless an agent has taken the conversation over (Rasa's `pause` event, appended by
bot/web/handoff.py): then the assistant's silence is intended and the agent answers.
The wording is content: responses in bot/domain/core.yml.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.nlg.interpolator import interpolate_text
from rasa.shared.core.domain import Domain

from bot.catalog.contacts import Contact, contact_for
from bot.settings import Settings, get_settings
from bot.store_health import check_stores
from bot.unicode_text import has_lone_surrogate
from connectors.rate_limit import RateLimiter

log = logging.getLogger(__name__)

UNAVAILABLE_RETRY_SECONDS = 5


@dataclass(frozen=True)
class Refusal:
    """A message the assistant will not handle, and how to tell the person."""

    reason: str  # empty, too_long, bad_request, rate_limited, unavailable
    status: int  # HTTP status for REST clients
    message: str  # what the person is told
    detail: dict[str, int] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"error": self.reason, "message": self.message, **self.detail}


def client_address(request: Any) -> str:
    """The caller's address (a Sanic request): the balancer's forwarded one when Sanic
    is told to trust it (FORWARDED_SECRET / PROXIES_COUNT), else the peer's."""
    if request is None:
        return "unknown"
    return request.remote_addr or request.ip or "unknown"


def respond(domain: Domain | None, response: str, channel: str | None = None, **values: str) -> str:
    """The text of a domain response, filled in: the `channel` variation if it has one,
    else the public one; a plain fallback if content lacks it."""
    variations = (domain.responses.get(response) if domain else None) or []
    texts = [v for v in variations if v.get("text")]
    template = next((v["text"] for v in texts if channel and v.get("channel") == channel), None)
    template = template or next((v["text"] for v in texts if not v.get("channel")), None)
    if template is None:
        log.error("domain has no text for %s", response)
        template = "Sorry, something went wrong. Please try again later."
    return interpolate_text(template, values)


class Guard:
    """One per channel instance; holds the limiter so counts persist between messages."""

    def __init__(self, settings: Settings | None = None, channel: str | None = None) -> None:
        self.settings = settings or get_settings()
        self.limiter = RateLimiter.from_settings(self.settings)
        self.channel = channel  # whose wording refusals and apologies use

    def check_text(self, text: Any, domain: Domain | None) -> Refusal | None:
        # Lone surrogates: no page, database or Redis client could write the message later.
        if not isinstance(text, str) or has_lone_surrogate(text):
            return Refusal(
                "bad_request", 400, respond(domain, "utter_message_bad_request", self.channel)
            )
        if not text.strip():
            return Refusal("empty", 400, respond(domain, "utter_message_empty", self.channel))
        limit = self.settings.max_message_chars
        if len(text) > limit:
            return Refusal(
                "too_long",
                413,
                respond(
                    domain,
                    "utter_message_too_long",
                    self.channel,
                    max=str(limit),
                    count=str(len(text)),
                ),
                {"max": limit, "count": len(text)},
            )
        return None

    async def admit(self, sender: str, address: str, domain: Domain | None) -> Refusal | None:
        """Rate limits, then store health; None when the message may be handled."""
        try:
            verdict = await asyncio.to_thread(self.limiter.check, sender, address)
        except Exception as error:  # the counters live in the shared Redis
            log.error("rate limiter unavailable: %s", type(error).__name__)
            return await self._unavailable(domain)
        if not verdict.allowed:
            log.info("rate limited by %s", verdict.limited_by)
            return Refusal(
                "rate_limited",
                429,
                respond(domain, "utter_slow_down", self.channel, seconds=str(verdict.retry_after)),
                {"retry_after": verdict.retry_after},
            )
        health = await asyncio.to_thread(check_stores, self.settings)
        if not health.ok:
            log.error("conversation stores unavailable: %s", health.checks)
            return await self._unavailable(domain)
        return None

    async def _unavailable(self, domain: Domain | None) -> Refusal:
        try:
            contact = await asyncio.to_thread(contact_for, {})
        except Exception as error:  # the product database may be down as well
            log.error("could not read the catalog for the refusal: %s", error)
            contact = None
        return Refusal(
            "unavailable",
            503,
            with_contact(domain, "utter_service_unavailable", contact, self.channel),
            {"retry_after": UNAVAILABLE_RETRY_SECONDS},
        )

    async def deliver(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        message: UserMessage,
        agent: Any,
        replies: Callable[[], int],
    ) -> str | None:
        """Hands the message to the assistant; returns the apology to send when
        handling raised or stayed silent (`replies()` counts what was sent)."""
        try:
            await on_new_message(message)
        except Exception as error:  # the text may hold identifiers: never log it
            log.exception("handling a %s message failed: %s", message.input_channel, error)
        else:
            if replies() or await self.paused(agent, message.sender_id):
                return None
            log.error("the assistant produced no reply; apologising")
        return await self.apology(agent, message.sender_id)

    @staticmethod
    async def paused(agent: Any, sender: str) -> bool:
        """Whether an agent holds the conversation: Rasa stores the person's messages
        without answering while its tracker is paused."""
        if agent is None:
            return False
        try:
            tracker = await agent.tracker_store.retrieve(sender)
        except Exception as error:  # then apologise: silence must be explained
            log.error("could not read the conversation to check for an agent: %s", error)
            return False
        return bool(tracker is not None and tracker.is_paused())

    async def apology(self, agent: Any, sender: str) -> str:
        """The apology for a failure inside the assistant, naming whom to call."""
        slots: dict[str, Any] = {}
        if agent is None:  # no model loaded yet: nobody to ask about the conversation
            return with_contact(None, "utter_internal_error", None)
        try:
            tracker = await agent.tracker_store.retrieve(sender)
            slots = tracker.current_slot_values() if tracker else {}
        except Exception as error:  # the apology must not fail in turn
            log.error("could not read the conversation for its apology: %s", error)
        try:
            contact = await asyncio.to_thread(contact_for, slots)
        except Exception as error:
            log.error("could not read the catalog for the apology: %s", error)
            contact = None
        return with_contact(agent.domain, "utter_internal_error", contact, self.channel)


def with_contact(
    domain: Domain | None, response: str, contact: Contact | None, channel: str | None = None
) -> str:
    """`response` naming whom to call; its `_general` variant (USAGov's number in the
    content itself) when even the catalog could not be read."""
    if contact is None:
        return respond(domain, f"{response}_general", channel)
    return respond(domain, response, channel, agency=contact.agency, phone=contact.phone)
