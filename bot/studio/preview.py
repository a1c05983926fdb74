"""Try it: the studio's chat with the draft model, before anyone publishes it.

The draft model (trained by the latest preview run) is loaded in the web app itself, on
first use, with an in-memory tracker store: try-it conversations never reach the real
tracker store, analytics or the inbox. Custom actions run on the real action server, so
catalog answers show the live catalog until the draft is published.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import select

from bot.bearer import bearer_headers
from bot.db import session_scope
from bot.settings import get_settings
from bot.studio.models import AGENT_CHANNEL, StudioJob


class PreviewUnavailable(Exception):
    """No draft model to talk to yet; the message says what to do."""


class DraftChat:
    """One loaded draft model per web process, replaced when a newer preview run finishes."""

    _current: ClassVar[DraftChat | None] = None
    _lock: ClassVar[asyncio.Lock | None] = None

    def __init__(self, model: Path, agent: Any) -> None:
        self.model = model
        self.agent = agent

    @property
    def model_name(self) -> str:
        return self.model.name

    @classmethod
    async def for_latest_preview(cls, url: str) -> DraftChat:
        model = latest_preview_model(url)
        if cls._lock is None:
            cls._lock = asyncio.Lock()
        async with cls._lock:
            if cls._current is None or cls._current.model != model:
                agent = await asyncio.to_thread(_load_agent, model)
                cls._current = DraftChat(model, agent)
            return cls._current

    async def say(self, conversation: str, text: str, audience: str = "public") -> list[dict]:
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        class AgentScript(CollectingOutputChannel):
            @classmethod
            def name(cls) -> str:
                return AGENT_CHANNEL  # picks the agent script wording, as the console does

        output = AgentScript() if audience == AGENT_CHANNEL else CollectingOutputChannel()
        await self.agent.handle_message(
            UserMessage(text, output, conversation, input_channel="studio")
        )
        return [
            {k: v for k, v in message.items() if k in ("text", "buttons", "custom")}
            for message in output.messages
        ]


def latest_preview_model(url: str) -> Path:
    with session_scope(url) as session:
        job = session.scalar(
            select(StudioJob)
            .where(StudioJob.purpose == "preview")
            .order_by(StudioJob.id.desc())
            .limit(1)
        )
        state, model_file = (job.state, job.model_file) if job else (None, None)
    if state is None:
        raise PreviewUnavailable("Train the draft first: press 'Train the draft to try it'.")
    if state in ("queued", "running"):
        raise PreviewUnavailable("The draft is still training; try again when the bar is full.")
    if state == "failed" or not model_file or not Path(model_file).exists():
        raise PreviewUnavailable("The last draft training did not finish: train the draft again.")
    return Path(model_file)


def _load_agent(model: Path) -> Any:
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    settings = get_settings()
    endpoint = EndpointConfig(
        settings.action_endpoint, headers=bearer_headers(settings.actions_token or "")
    )
    return Agent.load(str(model), action_endpoint=endpoint)
