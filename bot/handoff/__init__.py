"""Warm handoff to a person: the queue agents claim conversations from.

Channels call `join` when a person asks for a person (or the assistant fails twice),
`holder` on every message to stay silent while an agent has the conversation, and
`overdue` to offer a callback after CX_HANDOFF_WAIT_SECONDS; the agent console lists
`waiting`, then `claim`s and `release`s. `queue_for(get_settings())` picks the backend.
"""

from bot.handoff.queue import (
    AlreadyClaimed,
    Claim,
    HandoffQueue,
    NotWaiting,
    Waiting,
    queue_for,
)

__all__ = ["AlreadyClaimed", "Claim", "HandoffQueue", "NotWaiting", "Waiting", "queue_for"]
