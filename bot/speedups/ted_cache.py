"""Remember TEDPolicy's inference per featurised dialogue state.

TED's prediction is a pure function of the features of the last `max_history` turns
(intent, entities, slots, active loop, previous action; text only for end-to-end
stories). Those states repeat across conversations: everyone who says "thanks" after a
lookup is in the same state. Profiling `make bench` showed TED's TensorFlow graph as
the largest single cost of a turn (a quarter of the Rasa process), spent recomputing
answers already computed. The model's outputs are kept per featurised input and
handed back as copies, so every prediction is bit-for-bit what TED would compute.

Per model instance, so a newly loaded model (`PUT /model`) starts empty; bounded
(least recently used first out) by `CX_TED_CACHE_SIZE` entries, 0 to turn it off.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from hashlib import blake2b
from typing import Any

from rasa.core.policies.ted_policy import TED, TEDPolicy
from rasa.shared.nlu.training_data.features import Features
from rasa.utils.tensorflow.model_data import RasaModelData

from bot.settings import get_settings

_KEY = "_cx_inference_key"
_CACHE = "_cx_inference_cache"

_create_model_data = TEDPolicy._create_model_data
_run_inference = TED.run_inference


def features_key(tracker_state_features: list[list[dict[str, list[Features]]]]) -> str:
    """A digest of exactly what TED's model is fed for one prediction."""
    digest = blake2b(digest_size=20)
    for tracker in tracker_state_features:
        digest.update(b"\x1etracker")
        for state in tracker:
            digest.update(b"\x1dstate")
            for attribute in sorted(state):
                digest.update(attribute.encode())
                for feature in state[attribute]:
                    digest.update(feature.fingerprint().encode())
    return digest.hexdigest()


def _create_model_data_keyed(
    self: TEDPolicy,
    tracker_state_features: list[list[dict[str, list[Features]]]],
    label_ids: Any = None,
    entity_tags: Any = None,
    encoded_all_labels: Any = None,
) -> RasaModelData:
    model_data = _create_model_data(
        self, tracker_state_features, label_ids, entity_tags, encoded_all_labels
    )
    if label_ids is None and entity_tags is None and encoded_all_labels is None:
        setattr(model_data, _KEY, features_key(tracker_state_features))  # a prediction
    return model_data


def _run_inference_cached(
    self: TED,
    model_data: RasaModelData,
    batch_size: int | list[int] = 1,
    output_keys_expected: list[str] | None = None,
) -> dict[str, Any]:
    key = getattr(model_data, _KEY, None)
    size = get_settings().ted_cache_size
    if key is None or size <= 0:
        return _run_inference(self, model_data, batch_size, output_keys_expected)
    cache: OrderedDict[tuple, dict[str, Any]] | None = self.__dict__.get(_CACHE)
    if cache is None:
        cache = OrderedDict()
        self.__dict__[_CACHE] = cache  # not through Keras' attribute tracking
    entry = (key, str(batch_size), tuple(output_keys_expected or ()))
    if entry in cache:
        cache.move_to_end(entry)
        return copy.deepcopy(cache[entry])
    outputs = _run_inference(self, model_data, batch_size, output_keys_expected)
    cache[entry] = copy.deepcopy(outputs)
    while len(cache) > size:
        cache.popitem(last=False)
    return outputs


def install() -> None:
    """Idempotent."""
    TEDPolicy._create_model_data = _create_model_data_keyed  # type: ignore[method-assign]
    TED.run_inference = _run_inference_cached  # type: ignore[method-assign]
