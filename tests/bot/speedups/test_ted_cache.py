"""TED's remembered predictions are exactly the ones it computes, per dialogue state."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.core.policies.ted_policy import TED, TEDPolicy
from rasa.core.training import load_data
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import get_settings
from bot.speedups import ted_cache

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, goodbye, ask_status]
responses:
  utter_greet: [{text: "Hello!"}]
  utter_goodbye: [{text: "Bye!"}]
  utter_status: [{text: "Here is your status."}]
"""
)
STORIES = """
version: "3.1"
stories:
- story: greet then status
  steps:
  - intent: greet
  - action: utter_greet
  - intent: ask_status
  - action: utter_status
- story: goodbye
  steps:
  - intent: goodbye
  - action: utter_goodbye
"""


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> TEDPolicy:
    ted_cache.install()
    work = tmp_path_factory.mktemp("ted")
    stories = work / "stories.yml"
    stories.write_text(STORIES)
    policy = TEDPolicy.create(
        {**TEDPolicy.get_default_config(), "epochs": 40, "random_seed": 1},
        LocalModelStorage(work),
        Resource("ted"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    policy.train(load_data(str(stories), DOMAIN, augmentation_factor=0), DOMAIN)
    return policy


def _after(*intents: str) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen")]
    for intent in intents:
        events += [UserUttered(intent, {"name": intent}), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("someone", events[:-1])


def _size(monkeypatch: pytest.MonkeyPatch, entries: int) -> None:
    monkeypatch.setenv("CX_TED_CACHE_SIZE", str(entries))
    get_settings.cache_clear()


def _count_inference(monkeypatch: pytest.MonkeyPatch, policy: TEDPolicy) -> list[int]:
    """Forgets what was remembered, then counts the model's real inferences."""
    policy.model.__dict__.pop(ted_cache._CACHE, None)
    calls: list[int] = []

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return original(*args, **kwargs)

    original = ted_cache._run_inference
    monkeypatch.setattr(ted_cache, "_run_inference", counting)
    return calls


def test_a_repeated_state_is_answered_from_memory_with_the_same_prediction(
    policy: TEDPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert TED.run_inference is ted_cache._run_inference_cached
    calls = _count_inference(monkeypatch, policy)
    _size(monkeypatch, 0)
    computed = policy.predict_action_probabilities(_after("greet"), DOMAIN)
    _size(monkeypatch, 100)
    first = policy.predict_action_probabilities(_after("greet"), DOMAIN)
    again = policy.predict_action_probabilities(_after("greet"), DOMAIN)
    assert len(calls) == 2, "the third prediction of the same state is remembered"
    assert first.probabilities == computed.probabilities == again.probabilities
    assert DOMAIN.action_names_or_texts[int(np.argmax(again.probabilities))] == "utter_greet"
    for key, value in first.diagnostic_data.items():
        np.testing.assert_array_equal(value, again.diagnostic_data[key])


def test_another_state_is_computed_and_the_memory_is_bounded(
    policy: TEDPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    _size(monkeypatch, 1)
    calls = _count_inference(monkeypatch, policy)
    greet = policy.predict_action_probabilities(_after("greet"), DOMAIN)
    bye = policy.predict_action_probabilities(_after("goodbye"), DOMAIN)
    assert len(calls) == 2
    assert greet.probabilities != bye.probabilities
    policy.predict_action_probabilities(_after("greet"), DOMAIN)
    assert len(calls) == 3, "one entry kept: greet was pushed out by goodbye"
