"""Run a coroutine to completion from synchronous test code, wherever that code runs.

Once the browser tests have run, Playwright's sync API leaves an event loop running in
the test session's main thread, and asyncio.run refuses to start inside it: the
coroutine gets a thread (and a loop) of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
