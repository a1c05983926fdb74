"""Answers a person already gave, in their own words, to the life-experience questions.

"I just lost my job" answers "Did you lose your job?"; "my mother passed away" answers "Were
you their spouse, or are you their child?". Each sentence (and clause) the person wrote in
this conversation is compared by meaning with the sentences that say each answer
(data/said_answers.yml); a close match, clearly closer to one answer than to the other, fills
the question so the form skips it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from bot.nlu.encoder import SentenceEncoder, shared_encoder
from bot.settings import REPO_ROOT

CUES_FILE = REPO_ROOT / "data" / "said_answers.yml"
# Sentences, then clauses: "I got laid off and we lost our insurance" says two things.
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_CLAUSE = re.compile(r"\s*,\s*(?:(?:and|but|so|because)\s+)?|\s+(?:and|but|so|because)\s+", re.I)
# The encoder hardly tells "I'm a federal employee" from "I'm not a federal employee": a
# sentence is compared only with cues of the same polarity.
_NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without)\b|n't\b", re.I)
MIN_CLAUSE_WORDS = 2


@dataclass(frozen=True)
class AnswerCues:
    """The sentences that say each answer of one question, encoded."""

    answers: tuple[str, ...]
    vectors: tuple[np.ndarray, ...]  # one matrix of unit vectors per answer
    negated: tuple[np.ndarray, ...]  # per answer, whether each cue is negated


def negated(text: str) -> bool:
    return bool(_NEGATION.search(text.replace("\u2019", "'")))


def pieces(text: str) -> list[str]:
    """The text, its sentences and their clauses (each at least two words)."""
    found = [text.strip()]
    for sentence in _SENTENCE.split(text):
        sentence = sentence.strip()
        if sentence and sentence not in found:
            found.append(sentence)
        for clause in _CLAUSE.split(sentence):
            clause = clause.strip(" .!?")
            if len(clause.split()) >= MIN_CLAUSE_WORDS and clause not in found:
                found.append(clause)
    return [p for p in found if p]


class SaidAnswers:
    """Finds answers in what was said; thresholds come with the content."""

    def __init__(self, content: dict, encoder: SentenceEncoder | None = None) -> None:
        self._encoder = encoder or shared_encoder()
        self.similarity = float(content["similarity"])
        self.margin = float(content["margin"])
        self._cues = {
            question: AnswerCues(
                tuple(by_answer),
                tuple(self._encoder.sentence_vectors(list(s)) for s in by_answer.values()),
                tuple(np.array([negated(c) for c in s]) for s in by_answer.values()),
            )
            for question, by_answer in content["questions"].items()
        }

    @property
    def questions(self) -> set[str]:
        return set(self._cues)

    def answers(self, texts: list[str], questions: list[str]) -> dict[str, str]:
        """The questions among `questions` that the texts answer, with their answers."""
        wanted = [q for q in questions if q in self._cues]
        parts = [p for text in texts if text for p in pieces(text)]
        if not wanted or not parts:
            return {}
        vectors = self._encoder.sentence_vectors(parts)
        polarity = np.array([negated(p) for p in parts])
        found = {}
        for question in wanted:
            cues = self._cues[question]
            best = [
                float(np.where(polarity[:, None] == flags[None, :], vectors @ matrix.T, -1).max())
                for matrix, flags in zip(cues.vectors, cues.negated, strict=True)
            ]
            order = np.argsort(best)[::-1]
            top, runner_up = best[order[0]], (best[order[1]] if len(best) > 1 else -1.0)
            if top >= self.similarity and top - runner_up >= self.margin:
                found[question] = cues.answers[order[0]]
        return found


@cache
def said_answers(path: Path = CUES_FILE) -> SaidAnswers:
    return SaidAnswers(yaml.safe_load(path.read_text(encoding="utf-8")))
