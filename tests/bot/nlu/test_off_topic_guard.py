"""The guard overrules a route only for messages far from every in-scope example."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.encoder import shared_encoder
from bot.nlu.off_topic_guard import OffTopicGuard, nearest_other
from bot.nlu.parse_keys import OFF_TOPIC_GUARD as GUARD_KEY

EXAMPLES = {
    "status_passport": [
        "where is my passport",
        "has my passport application been processed",
        "check the status of my passport renewal",
        "I applied for a passport weeks ago and it hasn't come",
    ],
    "le_financial_shock": [
        "I just lost my job",
        "I got laid off and can't pay my bills",
        "my hours were cut and I need help with rent",
        "how do I apply for unemployment",
    ],
    "greet": ["hello", "hi there"],
}


def context() -> ExecutionContext:
    return ExecutionContext(graph_schema=None, node_name="guard")  # type: ignore[arg-type]


@pytest.fixture
def trained(tmp_path) -> tuple[LocalModelStorage, Resource]:  # type: ignore[no-untyped-def]
    storage, resource = LocalModelStorage(tmp_path), Resource("guard")
    config = {**OffTopicGuard.get_default_config(), "rejected_share": 0.0}
    guard = OffTopicGuard.create(config, storage, resource, context())
    examples = [
        Message(data={TEXT: text, INTENT: intent})
        for intent, texts in EXAMPLES.items()
        for text in texts
    ]
    guard.train(TrainingData(examples))
    return storage, resource


def classified(text: str, intent: str) -> Message:
    return Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.9}})


def loaded(storage: LocalModelStorage, resource: Resource) -> OffTopicGuard:
    config = {**OffTopicGuard.get_default_config(), "rejected_share": 0.0}
    return OffTopicGuard.load(config, storage, resource, context())


def test_a_far_message_is_turned_off_topic(trained) -> None:  # type: ignore[no-untyped-def]
    guard = loaded(*trained)
    (message,) = guard.process(
        [classified("my phone screen cracked, can I get it fixed", "status_passport")]
    )
    assert message.get(INTENT)["name"] == "out_of_scope"
    assert message.get("intent_ranking")[0]["name"] == "out_of_scope"
    assert message.get(GUARD_KEY)["overruled"] == "status_passport"


def test_a_near_message_keeps_its_route(trained) -> None:  # type: ignore[no-untyped-def]
    guard = loaded(*trained)
    (message,) = guard.process(
        [classified("got let go from work last week, rent is due", "le_financial_shock")]
    )
    assert message.get(INTENT)["name"] == "le_financial_shock"
    assert message.get(GUARD_KEY)["overruled"] is None


def test_unguarded_intents_pass_untouched(trained) -> None:  # type: ignore[no-untyped-def]
    guard = loaded(*trained)
    (message,) = guard.process([classified("my phone screen cracked", "greet")])
    assert message.get(INTENT)["name"] == "greet"
    assert message.get(GUARD_KEY) is None


def test_the_threshold_is_the_leave_one_out_quantile(tmp_path) -> None:  # type: ignore[no-untyped-def]
    storage, resource = LocalModelStorage(tmp_path), Resource("guard")
    config = {**OffTopicGuard.get_default_config(), "rejected_share": 0.0}
    guard = OffTopicGuard.create(config, storage, resource, context())
    routed = [t for i, ts in EXAMPLES.items() if i != "greet" for t in ts]
    guard.train(
        TrainingData([Message(data={TEXT: t, INTENT: i}) for i, ts in EXAMPLES.items() for t in ts])
    )
    expected = nearest_other(shared_encoder().sentence_vectors(routed)).min()
    assert guard.threshold == pytest.approx(float(expected))
    assert loaded(storage, resource).threshold == pytest.approx(guard.threshold)


def test_an_untrained_guard_lets_everything_pass(tmp_path) -> None:  # type: ignore[no-untyped-def]
    guard = OffTopicGuard.load(
        OffTopicGuard.get_default_config(), LocalModelStorage(tmp_path), Resource("x"), context()
    )
    (message,) = guard.process([classified("my phone screen cracked", "status_passport")])
    assert message.get(INTENT)["name"] == "status_passport"
