"""The action server starts with its actions frozen out of full garbage collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from rasa_sdk.executor import ActionExecutor

from actions import server


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_registering_the_actions_freezes_them_and_registers_every_action() -> None:
    server.install()
    server.install()  # idempotent
    executor = ActionExecutor()
    gc.unfreeze()
    executor.register_package("actions")
    assert gc.get_freeze_count() > 0
    assert {"validate_life_experience_form", "action_show_next_steps"} <= set(executor.actions)
