"""Turn a route nobody asked for into "off-topic", by how far a message is from every example.

DIET always names one of its intents. For "my phone won't charge" that may be the student-loan
lookup, and the person is asked for a birth date. This component looks at the sentence meaning
instead: a message whose nearest in-scope training example (by the encoder's cosine) is farther
than a calibrated threshold is not about anything the assistant serves, whatever DIET ranked
first. The threshold is calibrated on the training data when the model is trained: the
similarity to its nearest *other* example that all but `rejected_share` of the in-scope examples
reach (leave-one-out), so a studio edit that adds examples moves it with no hand-tuning.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.encoder import shared_encoder
from bot.nlu.parse_keys import OFF_TOPIC_GUARD

logger = logging.getLogger(__name__)

OFF_TOPIC_INTENT = "out_of_scope"
VECTORS_FILE = "in_scope.npy"
SETTINGS_FILE = "guard.json"


def nearest_other(vectors: np.ndarray) -> np.ndarray:
    """Each row's cosine to its nearest other row (vectors are unit length)."""
    if len(vectors) < 2:
        return np.ones(len(vectors), dtype=np.float32)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -1.0)
    return similarity.max(axis=1)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class OffTopicGuard(GraphComponent, IntentClassifier):
    """Sets `out_of_scope` when a routed message is far from every in-scope example."""

    @classmethod
    def required_components(cls) -> list[type]:
        # Placed after the intent classifiers in config.yml; requiring them here would fail
        # Rasa's check of the training graph, where classifiers do not run before training.
        return []

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Intents whose prediction starts something (a life experience, a lookup).
            "guarded_prefixes": ["le_", "status_"],
            # Share of in-scope training examples the calibrated threshold would turn away.
            "rejected_share": 0.02,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vectors: np.ndarray | None = None,
        threshold: float = 0.0,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._vectors = vectors if vectors is not None else np.zeros((0, 1), dtype=np.float32)
        self.threshold = threshold

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OffTopicGuard:
        return cls(config, model_storage, resource)

    def _guarded(self, intent: str | None) -> bool:
        return bool(intent) and intent.startswith(tuple(self._config["guarded_prefixes"]))

    def train(self, training_data: TrainingData) -> Resource:
        texts = [m.get(TEXT) for m in training_data.intent_examples if self._guarded(m.get(INTENT))]
        vectors = shared_encoder().sentence_vectors(texts)
        if len(texts):
            share = float(self._config["rejected_share"])
            self.threshold = float(np.quantile(nearest_other(vectors), share))
        self._vectors = vectors
        with self._storage.write_to(self._resource) as folder:
            np.save(folder / VECTORS_FILE, vectors)
            (folder / SETTINGS_FILE).write_text(
                json.dumps({"threshold": self.threshold, "examples": len(texts)})
            )
        logger.info(
            "off-topic guard: %d in-scope examples, threshold %.3f", len(texts), self.threshold
        )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> OffTopicGuard:
        try:
            with model_storage.read_from(resource) as folder:
                vectors = np.load(folder / VECTORS_FILE)
                settings = json.loads((folder / SETTINGS_FILE).read_text())
        except (ValueError, FileNotFoundError):
            logger.warning("off-topic guard: nothing trained, every message passes")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, vectors, float(settings["threshold"]))

    def similarity(self, text: str) -> float:
        """Cosine of the text to its nearest in-scope training example."""
        if not len(self._vectors):
            return 1.0
        return float((self._vectors @ shared_encoder().sentence_vectors([text])[0]).max())

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if not message.get(TEXT) or not self._guarded(intent):
                continue
            similarity = self.similarity(message.get(TEXT))
            off_topic = similarity < self.threshold
            message.set(
                OFF_TOPIC_GUARD,
                {
                    "similarity": round(similarity, 4),
                    "threshold": round(self.threshold, 4),
                    "overruled": intent if off_topic else None,
                },
                add_to_output=True,
            )
            if off_topic:
                verdict = {INTENT_NAME_KEY: OFF_TOPIC_INTENT, "confidence": 1.0}
                message.data[INTENT] = verdict
                message.data.setdefault(INTENT_RANKING_KEY, []).insert(0, dict(verdict))
        return messages
