"""Brings conversation summaries up to date before staff see figures.

At most once per interval per process, in a worker thread, waiting a bounded time: a
slow or unreachable tracker store delays the dashboard a little and never fails it; the
figures already stored are shown with a notice instead.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from bot.insights.models import utcnow
from bot.insights.summaries import refresh_summaries
from bot.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Freshness:
    """What the page says about how current its figures are."""

    as_of: datetime | None  # the last successful read of the tracker store (UTC)
    notice: str | None = None  # why the newest conversations may be missing

    def iso(self) -> str | None:
        return self.as_of.isoformat(timespec="seconds") + "Z" if self.as_of else None


STORE_UNREACHABLE = (
    "The conversation store could not be read just now, so conversations since the last "
    "update may be missing. The figures below are the ones stored before."
)
STILL_UPDATING = (
    "Conversation summaries are still being updated, so the newest conversations may be "
    "missing. Reload the page in a minute."
)


@dataclass
class _RefreshState:
    attempted: float | None = None  # time.monotonic() of the last start
    succeeded_at: datetime | None = None
    failed: bool = False
    running: Future | None = None


class SummaryRefresher:
    """Runs `refresh_summaries` at most once per `interval` seconds for each pair of stores,
    in a worker thread, and waits for it at most `wait` seconds: a slow or unreachable
    tracker store delays the page a little and never fails it."""

    def __init__(
        self,
        refresh: Callable[[Settings], int] = refresh_summaries,
        interval: float = 15.0,
        wait: float = 20.0,
    ) -> None:
        self.refresh, self.interval, self.wait = refresh, interval, wait
        self._states: dict[tuple[str, str], _RefreshState] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="insights-refresh")

    def _run(self, state: _RefreshState, settings: Settings) -> None:
        try:
            self.refresh(settings)
        except Exception:  # any store error: keep the stored figures, say so on the page
            log.warning("insights: refreshing conversation summaries failed", exc_info=True)
            with self._lock:
                state.failed, state.running = True, None
        else:
            with self._lock:
                state.failed, state.running, state.succeeded_at = False, None, utcnow()

    async def ensure_fresh(self, settings: Settings) -> Freshness:
        key = (settings.product_database_url, settings.redis_url or settings.tracker_database_url)
        with self._lock:
            state = self._states.setdefault(key, _RefreshState())
            due = state.attempted is None or time.monotonic() - state.attempted >= self.interval
            if state.running is None and due:
                state.attempted = time.monotonic()
                state.running = self._pool.submit(self._run, state, settings)
            running = state.running
        if running is not None:
            try:
                await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(running)), self.wait)
            except asyncio.TimeoutError:
                return Freshness(state.succeeded_at, STILL_UPDATING)
        with self._lock:
            return Freshness(state.succeeded_at, STORE_UNREACHABLE if state.failed else None)


refresher = SummaryRefresher()
