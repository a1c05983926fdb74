"""Which Rasa servers a publish reaches."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from bot.studio.replicas import ReplicaError, expand, replica_urls


def test_without_replicas_configured_the_stacks_own_rasa_is_used() -> None:
    settings = Settings(rasa_replicas=None, rasa_server_url="http://127.0.0.1:5005/")
    assert replica_urls(settings) == ["http://127.0.0.1:5005"]


def test_listed_replicas_are_used_as_given() -> None:
    settings = Settings(rasa_replicas="http://a:5005, http://b:5005/")
    assert replica_urls(settings) == ["http://a:5005", "http://b:5005"]


def test_a_dns_name_expands_to_every_address_it_resolves_to() -> None:
    assert expand("dns+http://localhost:5005") in (
        ["http://127.0.0.1:5005"],
        ["http://127.0.0.1:5005", "http://[::1]:5005"],
        ["http://[::1]:5005", "http://127.0.0.1:5005"],
    )
    with pytest.raises(ReplicaError, match="does not resolve"):
        expand("dns+http://no-such-host.invalid:5005")
