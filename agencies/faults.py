"""Realistic misbehaviour on demand: latency and faults per agency.

Set per request with the `X-Mock-Fault` header, or for a whole agency through
`/admin/faults` (so a test driving the whole stack can make one agency slow
without touching the caller). Normal latency per agency comes from its demo
records file.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, replace
from typing import Literal

from fastapi import Header, HTTPException

Fault = Literal["slow", "error500", "unavailable503", "malformed", "wrong_person"]
FAULTS: tuple[str, ...] = Fault.__args__  # type: ignore[attr-defined]
RETRY_AFTER_SECONDS = 2


@dataclass(frozen=True)
class Behaviour:
    latency_ms: int = 0
    fault: str | None = None
    slow_seconds: float = 10.0


class Behaviours:
    """Current behaviour of each agency; one per process, changed by the admin endpoint."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._normal: dict[str, Behaviour] = {}
        self._current: dict[str, Behaviour] = {}

    def set_normal(self, agency: str, latency_ms: int) -> None:
        with self._lock:
            self._normal[agency] = Behaviour(latency_ms=latency_ms)
            self._current.setdefault(agency, self._normal[agency])

    def get(self, agency: str) -> Behaviour:
        with self._lock:
            return self._current.get(agency, Behaviour())

    def change(self, agency: str, **changes: object) -> Behaviour:
        with self._lock:
            self._current[agency] = replace(self._current.get(agency, Behaviour()), **changes)
            return self._current[agency]

    def reset(self) -> None:
        with self._lock:
            self._current = dict(self._normal)

    def all(self) -> dict[str, Behaviour]:
        with self._lock:
            return dict(self._current)


behaviours = Behaviours()


def behaviour_of(agency: str):  # type: ignore[no-untyped-def]
    """FastAPI dependency: waits the agency's latency, raises 500/503 faults, and
    returns the fault the router itself must act out (malformed, wrong_person)."""

    async def apply(
        x_mock_fault: str | None = Header(
            None, description=f"Make this one request misbehave: {', '.join(FAULTS)}"
        ),
    ) -> str | None:
        current = behaviours.get(agency)
        fault = x_mock_fault or current.fault
        if fault is not None and fault not in FAULTS:
            raise HTTPException(400, detail=f"Unknown X-Mock-Fault {fault!r}; use one of {FAULTS}.")
        await asyncio.sleep(current.latency_ms / 1000)
        if fault == "slow":
            await asyncio.sleep(current.slow_seconds)
        if fault == "error500":
            raise HTTPException(500, detail="Internal error (injected).")
        if fault == "unavailable503":
            raise HTTPException(
                503,
                detail="Service unavailable (injected).",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return fault

    return apply
