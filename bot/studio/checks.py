"""Checks on content edits, in plain words for content staff. Pure functions: no database.

Two kinds of checks. Per edit: is the example already there (refused), or very close to an
example of another intent (a warning: the assistant may confuse the two intents). Whole
content: intents with too few examples, responses without a line for contact-center agents,
one phrase in two intents.

Similarity is cosine over counts of word 1-grams, word 2-grams and character 3-grams, after
contractions are spelt out ("where's" -> "where is"). Characters catch typos and spelling
variants; words keep "passport" and "refund" apart. A pair where only one side is negated
("thanks" / "no thanks") is never a paraphrase, so its score is halved.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

AGENT_CHANNEL = "agent_console"

# Chosen on the real training data (tests/bot/studio/test_checks.py): at 0.8 "where's my
# passport?" matches "where is my passport" (1.0) and "has my passport been mailed yet"
# matches "has my passport been mailed" (0.93), while "where is my refund" (0.62), "my refund
# hasn't come yet" (0.68) and "check my fema application" vs "check my ssi application"
# (0.73) stay below; no held-out test message scores 0.8 against another intent's example.
SIMILAR_THRESHOLD = 0.8
SIMILAR_LIMIT = 5
NEGATION_PENALTY = 0.5


@dataclass(frozen=True)
class ExampleRef:
    """One training example: the intent it teaches and its text."""

    intent: str
    text: str


Example = tuple[str, str] | ExampleRef  # (intent, text)
Level = Literal["error", "warning"]


def _ref(example: Example) -> ExampleRef:
    return example if isinstance(example, ExampleRef) else ExampleRef(*example)


# ------------------------------------------------------------------ normalizing

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalize(text: str) -> str:
    """The form two examples share when they are the same to the assistant: case, spacing,
    curly quotes and trailing punctuation ("Where is my passport??") do not count."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = " ".join(text.split())
    end = len(text)
    while end and (unicodedata.category(text[end - 1]).startswith("P") or text[end - 1] == " "):
        end -= 1
    return text[:end]


# Spelt out before comparing, so a contraction is not a different word.
_CONTRACTIONS = [
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bcan't\b"), "can not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"\b(where|what|who|how|when|it|that|there|here|he|she)'s\b"), r"\1 is"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'m\b"), " am"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'d\b"), " would"),
]
# The same contractions typed without the apostrophe, as people do in a chat box.
_BARE_CONTRACTIONS = {
    "whats": "what is",
    "wheres": "where is",
    "im": "i am",
    "ive": "i have",
    "dont": "do not",
    "didnt": "did not",
    "doesnt": "does not",
    "isnt": "is not",
    "hasnt": "has not",
    "havent": "have not",
    "cant": "can not",
    "cannot": "can not",
    "wont": "will not",
}
_NEGATIONS = frozenset({"not", "no", "never", "nope", "nah"})
_NOT_WORD = re.compile(r"[^\w\s]")


def _words(text: str) -> list[str]:
    text = normalize(text)
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = _NOT_WORD.sub(" ", text.replace("'", ""))
    words: list[str] = []
    for word in text.split():
        words.extend(_BARE_CONTRACTIONS.get(word, word).split())
    return words


Vector = dict[str, float]


def _vector(words: list[str]) -> Vector:
    """Unit-length counts of word 1-grams, word 2-grams and character 3-grams."""
    counts: Counter[str] = Counter(f"w {word}" for word in words)
    counts.update(f"b {a} {b}" for a, b in pairwise(words))
    padded = f" {' '.join(words)} "
    counts.update(f"c {padded[i : i + 3]}" for i in range(len(padded) - 2))
    norm = math.sqrt(sum(n * n for n in counts.values()))
    return {feature: n / norm for feature, n in counts.items()} if norm else {}


def similarity(a: str, b: str) -> float:
    """How close two phrases are, from 0 (nothing shared) to 1 (the same words)."""
    words_a, words_b = _words(a), _words(b)
    va, vb = _vector(words_a), _vector(words_b)
    score = sum(weight * vb.get(feature, 0.0) for feature, weight in va.items())
    return _finish(score, _is_negated(words_a) != _is_negated(words_b))


def _is_negated(words: list[str]) -> bool:
    return not _NEGATIONS.isdisjoint(words)


def _finish(score: float, polarity_differs: bool) -> float:
    score = min(score, 1.0)  # rounding can overshoot 1 for identical phrases
    return score * NEGATION_PENALTY if polarity_differs else score


class SimilarityIndex:
    """Examples prepared once, so each look-up scores only the examples sharing a feature
    with the phrase (an inverted index): about a millisecond against 1,500 examples."""

    def __init__(self, examples: Iterable[Example] = ()) -> None:
        self._examples: list[ExampleRef] = []
        self._negated: list[bool] = []
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for example in examples:
            self.add(example)

    def __len__(self) -> int:
        return len(self._examples)

    @property
    def examples(self) -> list[ExampleRef]:
        """The examples in the order they were added (positions `search` returns)."""
        return list(self._examples)

    def add(self, example: Example) -> int:
        """Adds one example; returns its position."""
        ref = _ref(example)
        position = len(self._examples)
        words = _words(ref.text)
        self._examples.append(ref)
        self._negated.append(_is_negated(words))
        for feature, weight in _vector(words).items():
            self._postings[feature].append((position, weight))
        return position

    def search(
        self,
        text: str,
        threshold: float = SIMILAR_THRESHOLD,
        limit: int | None = SIMILAR_LIMIT,
        skip_intent: str | None = None,
    ) -> list[tuple[int, float]]:
        """(position, score) of the examples at least `threshold` close to `text`, closest
        first, leaving out those of `skip_intent`."""
        words = _words(text)
        negated = _is_negated(words)
        scores: dict[int, float] = defaultdict(float)
        for feature, weight in _vector(words).items():
            for position, other in self._postings.get(feature, ()):
                scores[position] += weight * other
        hits = []
        for position, score in scores.items():
            if skip_intent is not None and self._examples[position].intent == skip_intent:
                continue
            score = _finish(score, negated != self._negated[position])
            if score >= threshold:
                hits.append((position, score))
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return hits if limit is None else hits[:limit]

    def similar(
        self,
        text: str,
        intent: str | None,
        threshold: float = SIMILAR_THRESHOLD,
        limit: int | None = SIMILAR_LIMIT,
    ) -> list[tuple[ExampleRef, float]]:
        """Examples of intents other than `intent` that `text` could be confused with."""
        hits = self.search(text, threshold, limit, skip_intent=intent)
        return [(self._examples[position], score) for position, score in hits]


def similar_examples(
    text: str,
    intent: str | None,
    examples: Iterable[Example],
    threshold: float = SIMILAR_THRESHOLD,
    limit: int | None = SIMILAR_LIMIT,
) -> list[tuple[ExampleRef, float]]:
    """`SimilarityIndex.similar` for a single look-up; build the index for several."""
    return SimilarityIndex(examples).similar(text, intent, threshold, limit)


# ------------------------------------------------------------------ per edit


def find_duplicate(
    text: str, intent: str, examples: Iterable[Example], *, same_intent: bool = False
) -> ExampleRef | None:
    """The example `text` repeats (after `normalize`): by default one of another intent,
    which must be refused ("This example already belongs to intent 'x'"); with
    `same_intent=True`, one already in `intent` itself. When an example is being edited,
    leave it out of `examples`, or it is its own duplicate."""
    wanted = normalize(text)
    for example in map(_ref, examples):
        if (example.intent == intent) == same_intent and normalize(example.text) == wanted:
            return example
    return None


# ------------------------------------------------------------------ whole content


@dataclass(frozen=True)
class Finding:
    """One problem in the content: an error blocks publishing, a warning is advice."""

    level: Level
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def too_few_examples(
    examples_by_intent: Mapping[str, Iterable[str]], minimum: int
) -> dict[str, int]:
    """{intent: number of different examples} of the intents with fewer than `minimum`;
    a repeated phrase teaches the assistant nothing new, so it counts once."""
    counts = {
        intent: len({normalize(text) for text in texts} - {""})
        for intent, texts in examples_by_intent.items()
    }
    return {intent: n for intent, n in sorted(counts.items()) if n < minimum}


def missing_agent_variation(responses: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    """Responses without an `agent_console` variation: Rasa would silently read the public
    chat wording to an agent on the phone."""
    return sorted(
        name
        for name, variations in responses.items()
        if not any(v.get("channel") == AGENT_CHANNEL for v in variations)
    )


def duplicates_across_intents(
    examples_by_intent: Mapping[str, Iterable[str]],
) -> list[tuple[str, list[str]]]:
    """(text, intents) of every phrase that is an example of more than one intent."""
    owners: dict[str, dict[str, str]] = defaultdict(dict)  # normalized -> {intent: text}
    for intent, texts in examples_by_intent.items():
        for text in texts:
            owners[normalize(text)].setdefault(intent, text)
    return sorted(
        (next(iter(by_intent.values())), sorted(by_intent))
        for key, by_intent in owners.items()
        if key and len(by_intent) > 1
    )


def check_content(
    examples_by_intent: Mapping[str, Iterable[str]],
    responses: Mapping[str, list[dict[str, Any]]],
    minimum_examples: int,
) -> list[Finding]:
    """Every whole-content problem, errors first."""
    examples = {intent: list(texts) for intent, texts in examples_by_intent.items()}
    findings = [
        *(
            _duplicate_finding(text, intents)
            for text, intents in duplicates_across_intents(examples)
        ),
        *(
            _too_few_finding(intent, count, minimum_examples)
            for intent, count in too_few_examples(examples, minimum_examples).items()
        ),
        *(_agent_finding(name) for name in missing_agent_variation(responses)),
    ]
    return sorted(findings, key=lambda f: f.level != "error")  # stable: keeps each check's order


def _duplicate_finding(text: str, intents: list[str]) -> Finding:
    names = " and ".join(f"'{name}'" for name in intents)
    return Finding(
        "error",
        "duplicate_example",
        f'"{text}" is an example of {len(intents)} intents: {names}. One phrase can teach '
        "only one intent: keep it in the right one and remove it from the others.",
        {"text": text, "intents": intents},
    )


def _too_few_finding(intent: str, count: int, minimum: int) -> Finding:
    return Finding(
        "error",
        "too_few_examples",
        f"The intent '{intent}' has {count} example{'s' if count != 1 else ''}. Add at least "
        f"{minimum - count} more: the assistant needs {minimum} or more to recognize it.",
        {"intent": intent, "count": count, "minimum": minimum},
    )


def _agent_finding(name: str) -> Finding:
    return Finding(
        "error",
        "missing_agent_variation",
        f"The response '{name}' has no wording for contact-center agents. Add an agent "
        "console variation, so agents have a line to read to the caller.",
        {"response": name},
    )
