"""The meaning classifier routes words it never saw by what they mean."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.meaning_classifier import WEIGHTS_FILE, MeaningIntentClassifier
from bot.nlu.sentence_featurizer import SentenceMeaningFeaturizer

EXAMPLES = {
    "le_financial_shock": [
        "I lost my job",
        "I was laid off last week",
        "how do I file for unemployment",
        "my hours got cut and I can't pay my bills",
    ],
    "status_passport": [
        "where is my passport",
        "has my passport application been processed",
        "check my passport status",
        "my passport hasn't arrived yet",
    ],
    "greet": ["hello", "hi there", "good morning", "hey"],
}


def context(name: str) -> ExecutionContext:
    return ExecutionContext(graph_schema=None, node_name=name)  # type: ignore[arg-type]


def featurized(*texts: str, intents: tuple[str, ...] = ()) -> list[Message]:
    messages = [Message(data={TEXT: t}) for t in texts]
    for message, intent in zip(messages, intents, strict=False):
        message.set(INTENT, intent)
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(messages)
    featurizer = SentenceMeaningFeaturizer(
        "meaning", {**SentenceMeaningFeaturizer.get_default_config(), "token_features": False}
    )
    return featurizer.process(messages)


def config(**overrides: object) -> dict:
    return {**MeaningIntentClassifier.get_default_config(), **overrides}


@pytest.fixture
def storage(tmp_path) -> LocalModelStorage:  # type: ignore[no-untyped-def]
    texts, intents = zip(*[(t, i) for i, ts in EXAMPLES.items() for t in ts], strict=True)
    classifier = MeaningIntentClassifier.create(
        config(), LocalModelStorage(tmp_path), Resource("intent"), context("intent")
    )
    classifier.train(TrainingData(featurized(*texts, intents=intents)))
    return LocalModelStorage(tmp_path)


def loaded(storage: LocalModelStorage, **overrides: object) -> MeaningIntentClassifier:
    return MeaningIntentClassifier.load(
        config(**overrides), storage, Resource("intent"), context("intent")
    )


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("the company let me go and rent is due", "le_financial_shock"),
        ("applied for travel document in june, still nothing in the mail", "status_passport"),
        ("howdy", "greet"),
    ],
)
def test_unseen_words_are_routed_by_meaning(storage, text: str, intent: str) -> None:  # type: ignore[no-untyped-def]
    (message,) = loaded(storage).process(featurized(text))
    assert message.get(INTENT)["name"] == intent
    ranking = message.get("intent_ranking")
    assert ranking[0]["name"] == intent
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0, abs=1e-5)


def test_the_stored_model_is_plain_arrays(storage) -> None:  # type: ignore[no-untyped-def]
    with storage.read_from(Resource("intent")) as folder:
        stored = np.load(folder / WEIGHTS_FILE, allow_pickle=False)
        assert sorted(stored.files) == ["classes", "coef", "intercept"]


def test_the_previous_ranking_can_be_blended_in(storage) -> None:  # type: ignore[no-untyped-def]
    (message,) = featurized("howdy")
    message.set("intent_ranking", [{"name": "status_passport", "confidence": 1.0}])
    loaded(storage, diet_weight=0.9).process([message])
    assert message.get(INTENT)["name"] == "status_passport"


def test_an_untrained_classifier_leaves_the_message_alone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    classifier = MeaningIntentClassifier.load(
        config(), LocalModelStorage(tmp_path), Resource("none"), context("intent")
    )
    (message,) = featurized("hello")
    message.set(INTENT, {"name": "greet", "confidence": 0.8})
    classifier.process([message])
    assert message.get(INTENT) == {"name": "greet", "confidence": 0.8}
