"""A Rasa dense featurizer that gives DIET the pretrained encoder's sense of a message.

DIET's own features are word and character n-grams learnt from ~1,000 examples: a message in
words the training data never used has nothing to go on. This component adds the sentence
vector of all-MiniLM-L6-v2 (and, with `token_features`, one vector per token: the mean of the
word pieces inside it), so "I got let go from my job" lands beside "I lost my job".
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.encoder import shared_encoder

TOKEN_FEATURES = "token_features"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceMeaningFeaturizer(DenseFeaturizer, GraphComponent):
    """Sentence (and optionally token) features from the packaged sentence encoder."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), TOKEN_FEATURES: True}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if not isinstance(config.get(TOKEN_FEATURES), bool):
            raise ValueError(f"{cls.__name__}: '{TOKEN_FEATURES}' must be true or false")

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceMeaningFeaturizer:
        return cls(execution_context.node_name, config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            self._featurize(
                [m for m in training_data.training_examples if m.get(attribute)], attribute
            )
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        # As Rasa's own dense featurizers: labels are featurised by the model itself.
        for attribute in (TEXT, ACTION_TEXT):
            self._featurize([m for m in messages if m.get(attribute)], attribute)
        return messages

    def _featurize(self, messages: list[Message], attribute: str) -> None:
        if not messages:
            return
        encodings = shared_encoder().encode([m.get(attribute) for m in messages])
        for message, encoding in zip(messages, encodings, strict=True):
            sequence = None
            if self._config[TOKEN_FEATURES]:
                tokens = message.get(TOKENS_NAMES[attribute]) or []
                sequence = encoding.span_vectors([(t.start, t.end) for t in tokens])
            self.add_features_to_message(
                sequence=sequence,
                sentence=encoding.sentence[np.newaxis, :],
                attribute=attribute,
                message=message,
            )
