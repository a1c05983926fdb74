"""Keyed hashes that stand in for what must not be stored: a network address, the facts
that identify a person's case.

The same input always gives the same pseudonym, so counts can be kept per address or
per case across conversations, processes and replicas; without the secret
(CX_ACTIONS_TOKEN, which only the Rasa server and the action server hold) a stored
pseudonym cannot be traced back, not even by trying every IPv4 address. Each use has
its own purpose string, so a pseudonym made for one use never matches one of another.
"""

from __future__ import annotations

import hashlib
import hmac

from bot.settings import Settings, get_settings

# Where the channels put the caller's address pseudonym in a message's metadata
# (connectors/), and the lookup action reads it (actions/lookups/status.py).
ADDRESS_METADATA_KEY = "client"


def pseudonym(purpose: str, *parts: str, settings: Settings | None = None) -> str:
    secret = ((settings or get_settings()).actions_token or "").encode()
    message = "\0".join((purpose, *parts)).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def address_metadata(address: str) -> dict[str, str]:
    """What a channel adds to a message's metadata about where it came from."""
    return {ADDRESS_METADATA_KEY: pseudonym("client-address", address)}
