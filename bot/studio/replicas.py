"""Which Rasa servers a new model must reach: each replica itself, not the balancer."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit, urlunsplit

from bot.settings import Settings

DNS_PREFIX = "dns+"


class ReplicaError(ValueError):
    """A replica address that cannot be used; the message says which and why."""


def expand(entry: str) -> list[str]:
    """`dns+http://rasa:5005` -> one URL per address `rasa` resolves to (scaled replicas)."""
    if not entry.startswith(DNS_PREFIX):
        return [entry]
    parts = urlsplit(entry.removeprefix(DNS_PREFIX))
    if not parts.hostname:
        raise ReplicaError(f"{entry!r} names no host.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ReplicaError(f"{parts.hostname!r} does not resolve: {error.strerror}.") from error
    addresses = sorted({info[4][0] for info in infos})
    port = f":{parts.port}" if parts.port else ""
    return [
        urlunsplit((parts.scheme, f"[{a}]{port}" if ":" in a else f"{a}{port}", parts.path, "", ""))
        for a in addresses
    ]


def replica_urls(settings: Settings) -> list[str]:
    """CX_RASA_REPLICAS expanded, or the one Rasa server of `make run`."""
    entries = [e.strip().rstrip("/") for e in (settings.rasa_replicas or "").split(",")]
    urls = [url for entry in entries if entry for url in expand(entry)]
    return urls or [settings.rasa_url.rstrip("/")]
