"""The featurizer hands DIET the encoder's vectors, aligned with Rasa's tokens."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.encoder import WIDTH, shared_encoder
from bot.nlu.sentence_featurizer import SentenceMeaningFeaturizer


def featurizer(tmp_path, **config) -> SentenceMeaningFeaturizer:  # type: ignore[no-untyped-def]
    return SentenceMeaningFeaturizer.create(
        {**SentenceMeaningFeaturizer.get_default_config(), **config},
        LocalModelStorage(tmp_path),
        Resource("meaning"),
        ExecutionContext(graph_schema=None, node_name="meaning"),  # type: ignore[arg-type]
    )


def tokenized(*texts: str) -> list[Message]:
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = [Message(data={TEXT: t}) for t in texts]
    tokenizer.process(messages)
    return messages


def test_sentence_and_token_features_come_from_the_encoder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (message,) = featurizer(tmp_path).process(tokenized("I got laid-off, cant pay rent"))
    sequence, sentence = message.get_dense_features(TEXT)
    encoding = shared_encoder().encode(["I got laid-off, cant pay rent"])[0]
    np.testing.assert_allclose(sentence.features, encoding.sentence[None, :], atol=1e-6)
    # One row per Rasa token, each the mean of the word pieces inside it.
    tokens = message.get("text_tokens")
    assert sequence.features.shape == (len(tokens), WIDTH) == (6, WIDTH)
    assert all(row.any() for row in sequence.features)


def test_token_features_can_be_left_out(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (message,) = featurizer(tmp_path, token_features=False).process(tokenized("hello there"))
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None
    assert sentence.features.shape == (1, WIDTH)


def test_training_examples_are_featurized(tmp_path) -> None:  # type: ignore[no-untyped-def]
    messages = tokenized("where is my passport", "my husband died")
    for message, intent in zip(messages, ("status_passport", "le_loss_of_loved_one"), strict=True):
        message.set("intent", intent)
    featurizer(tmp_path).process_training_data(TrainingData(messages))
    assert all(m.get_dense_features(TEXT)[1].features.shape == (1, WIDTH) for m in messages)


def test_a_bad_config_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="token_features"):
        featurizer(tmp_path, token_features="yes")
