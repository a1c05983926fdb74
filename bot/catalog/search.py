"""Search the service catalog by meaning and by words: an answer instead of "I didn't get that".

When the assistant cannot tell what a person needs, it still knows what it offers. Each
service is found by two measures, blended: the sentence encoder's cosine to the service's own
words and to the training examples of the intents that lead to it (meaning: "my landlord
wants rent and I have no paycheck" finds unemployment insurance), and BM25 over the service's
title, summary, keywords, eligibility, documents, steps and agency (words: "DD-214",
"Part D"). The threshold below which nothing is offered is calibrated when the index is built:
the score that all but `OFF_TOPIC_PASS_SHARE` of the off-topic training examples stay under.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import yaml

from bot.catalog.queries import ServiceView
from bot.nlu.encoder import SentenceEncoder, shared_encoder

# Weights of the three measures: the service's own words, its intents' examples, BM25
# (chosen on the self-written held-out split: the right service among the three).
WEIGHTS = (0.2, 0.6, 0.2)
OFF_TOPIC_PASS_SHARE = 0.1
OFF_TOPIC_INTENT = "out_of_scope"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class SearchEntry:
    """One service, how a person reaches it, and the examples of the intents leading to it."""

    service: ServiceView
    payload: str  # what its button sends (a life experience naming the service, or a lookup)
    examples: tuple[str, ...]

    def document(self) -> str:
        s = self.service
        return " ".join(
            [
                s.title,
                s.summary,
                *s.keywords,
                s.eligibility or "",
                *s.documents,
                *s.steps,
                s.agency.name,
                s.agency.acronym,
            ]
        )


@dataclass(frozen=True)
class SearchHit:
    entry: SearchEntry
    score: float


def training_examples(nlu_dir: Path) -> dict[str, list[str]]:
    """Plain-text examples per intent from Rasa NLU YAML, entity markup removed."""
    found: dict[str, list[str]] = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" not in block:
                continue
            lines = str(block.get("examples") or "").splitlines()
            texts = [_ANNOTATION.sub(r"\1", line.strip()[2:]) for line in lines if line.strip()]
            found.setdefault(block["intent"], []).extend(t for t in texts if t)
    return found


class CatalogSearch:
    """Ranks catalog services for a message; empty when nothing is close enough."""

    def __init__(
        self,
        entries: list[SearchEntry],
        off_topic_examples: Iterable[str] = (),
        encoder: SentenceEncoder | None = None,
    ) -> None:
        if not entries:
            raise ValueError("catalog search needs at least one service")
        self.entries = entries
        self._encoder = encoder or shared_encoder()
        self._service_vectors = self._encoder.sentence_vectors(
            [
                f"{e.service.title}. {e.service.summary} {', '.join(e.service.keywords)}"
                for e in entries
            ]
        )
        examples = sorted({x for e in entries for x in e.examples})
        index = {x: i for i, x in enumerate(examples)}
        self._example_vectors = self._encoder.sentence_vectors(examples)
        self._examples_of = [np.array([index[x] for x in e.examples], dtype=int) for e in entries]
        self._bm25 = bm25s.BM25()
        self._bm25.index([_words(e.document()) for e in entries], show_progress=False)
        off_topic = [self.top_score(text) for text in off_topic_examples]
        self.threshold = (
            float(np.quantile(off_topic, 1 - OFF_TOPIC_PASS_SHARE)) if off_topic else 0.0
        )

    def scores(self, text: str) -> np.ndarray:
        query = self._encoder.sentence_vectors([text])[0]
        own = self._service_vectors @ query
        by_example = self._example_vectors @ query if len(self._example_vectors) else np.zeros(0)
        examples = np.array(
            [by_example[ids].max() if len(ids) else 0.0 for ids in self._examples_of]
        )
        words = self._bm25.get_scores(_words(text))
        words = words / words.max() if words.max() > 0 else words
        own_w, example_w, word_w = WEIGHTS
        return own_w * own + example_w * examples + word_w * words

    def top_score(self, text: str) -> float:
        return float(self.scores(text).max())

    def search(self, text: str, limit: int = 3) -> list[SearchHit]:
        """The best services above the calibrated threshold, best first."""
        scores = self.scores(text)
        best = np.argsort(-scores)[:limit]
        return [
            SearchHit(self.entries[i], float(scores[i])) for i in best if scores[i] > self.threshold
        ]


def _words(text: str) -> list[str]:
    return bm25s.tokenize(text, stopwords="english", return_ids=False, show_progress=False)[0]
