"""The loaded model kept out of full garbage collections (bot.gc_freeze)."""

from __future__ import annotations

from rasa.core.agent import Agent

from bot.gc_freeze import frozen_after


def install() -> None:
    """Idempotent."""
    Agent.load_model = frozen_after(Agent.load_model)  # type: ignore[method-assign]
