"""Stopping `make run` stops everything it started, however it is stopped."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.support.stack import alive, start_stack, stop_stack

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "sig",
    [signal.SIGINT, signal.SIGTERM, signal.SIGKILL],
    ids=["ctrl-c", "sigterm", "supervisor-killed"],
)
def test_stopping_leaves_no_orphans(tmp_path: Path, sig: signal.Signals) -> None:
    stack = start_stack(tmp_path, remove_env=("REDIS_URL", "DATABASE_URL"))
    children = stack.children
    assert len(children) >= 4, "expected at least the four services under the supervisor"

    code = stop_stack(stack, sig)

    if sig != signal.SIGKILL:
        assert code == 0
        assert "stopped" in stack.log()
    deadline = time.monotonic() + 30  # PR_SET_PDEATHSIG lets children finish their shutdown
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in children if alive(pid)], "processes outlived the stack"
