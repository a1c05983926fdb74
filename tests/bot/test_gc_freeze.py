"""What a server loads is kept out of full collections; what a new load replaces is not."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from rasa.core.agent import Agent

from bot import gc_freeze
from bot.speedups import model_gc


class Node:
    """Part of a loaded model: objects in reference cycles, as Keras layers are."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    yield
    gc.unfreeze()  # leave the test process as it was


def test_a_loaded_model_is_frozen_and_the_next_load_lets_the_old_one_go() -> None:
    models: list[Node] = []
    load = gc_freeze.frozen_after(lambda: models.append(Node()))

    load()
    assert gc.get_freeze_count() > 0, "full collections no longer walk the model"
    old = weakref.ref(models.pop())  # replaced: let go, but frozen with its cycle
    gc.collect()
    assert old() is not None, "a frozen cycle is not collected"

    load()
    assert old() is None, "loading the next model made the old one collectable again"
    assert len(models) == 1 and gc.get_freeze_count() > 0


def test_the_rasa_server_freezes_each_model_it_loads() -> None:
    model_gc.install()
    wrapped = Agent.load_model
    model_gc.install()
    assert Agent.load_model is wrapped
    assert getattr(Agent.load_model, "_cx_frozen_after", False)
