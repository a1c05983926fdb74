"""The studio's editing checks, and the similarity threshold justified on the real NLU data."""

from __future__ import annotations

import time
from collections import defaultdict
from functools import cache

import pytest

from bot.studio.checks import (
    SIMILAR_THRESHOLD,
    ExampleRef,
    Finding,
    SimilarityIndex,
    check_content,
    duplicates_across_intents,
    find_duplicate,
    missing_agent_variation,
    normalize,
    similar_examples,
    similarity,
    too_few_examples,
)
from tests.bot.test_domain import domain
from tests.nlu.test_holdout_split import MIN_TRAINING, holdout, training


@cache
def real_examples() -> list[ExampleRef]:
    """data/nlu/*.yml as loaded by Rasa (entity annotations removed)."""
    return [ExampleRef(m.get("intent"), m.get("text")) for m in training().intent_examples]


def real(intent: str, text: str) -> ExampleRef:
    """An example that must exist in data/nlu, so the thresholds are tested on real data."""
    ref = ExampleRef(intent, text)
    assert ref in real_examples(), f"{ref} is no longer in data/nlu: pick another real example"
    return ref


def by_intent(examples: list[ExampleRef]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for e in examples:
        grouped[e.intent].append(e.text)
    return dict(grouped)


# ------------------------------------------------------------------ normalize, duplicates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Where is   my Passport?! ", "where is my passport"),
        ("where\u2019s my passport...", "where's my passport"),
        ("Is it 3.5% or 4%?", "is it 3.5% or 4"),
        ("hello, is anyone there?", "hello, is anyone there"),
        ("???", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_a_duplicate_in_another_intent_is_found() -> None:
    examples = [("status_passport", "where is my passport"), ("le_travel", "I need a passport")]
    assert find_duplicate("Where is my  PASSPORT?", "le_travel", examples) == ExampleRef(
        "status_passport", "where is my passport"
    )
    assert find_duplicate("where is my passport", "status_passport", examples) is None
    assert find_duplicate("where is my visa", "le_travel", examples) is None


def test_a_duplicate_in_the_same_intent_is_reported_separately() -> None:
    examples = [ExampleRef("le_travel", "I need a passport")]
    assert find_duplicate("i need a passport.", "le_travel", examples) is None
    assert find_duplicate(
        "i need a passport.", "le_travel", examples, same_intent=True
    ) == ExampleRef("le_travel", "I need a passport")


# ------------------------------------------------------------------ similarity on real data


def test_near_paraphrases_of_real_examples_are_flagged() -> None:
    index = SimilarityIndex(real_examples())
    for typed, original in [
        ("where's my passport?", real("status_passport", "where is my passport")),
        ("has my passport been mailed yet", real("status_passport", "has my passport been mailed")),
        ("my passport has not come yet", real("status_passport", "my passport hasn't come yet")),
        (
            "what's my student loan balance?",
            real("status_student_loans", "what's my student loan balance"),
        ),
        (
            "Whats the status of my passport renewal",
            real("status_passport", "whats the status of my passport renewal"),
        ),
    ]:
        # As if a content editor added the paraphrase to another intent.
        found = dict(index.similar(typed, "le_travel"))
        assert found.get(original, 0) >= SIMILAR_THRESHOLD, (typed, original, found)


def test_different_requests_worded_alike_are_not_flagged() -> None:
    for a, b in [
        (real("status_passport", "where is my passport"), "where is my tax refund"),
        (
            real("status_passport", "where is my passport"),
            real("status_irs_refund", "where is my refund").text,
        ),
        (
            real("status_passport", "my passport hasn't come yet"),
            real("status_irs_refund", "my refund hasn't come yet").text,
        ),
        (
            real("status_ssa_application", "check my ssi application"),
            real("status_fema", "check my fema application").text,
        ),
        (
            real("status_passport", "is my passport approved yet"),
            real("status_farm_loan", "is my loan approved yet").text,
        ),
        (real("affirm", "absolutely"), real("deny", "absolutely not").text),
        (real("thanks", "thanks"), real("deny", "no thanks").text),
    ]:
        assert similarity(a.text, b) < SIMILAR_THRESHOLD, (a.text, b, similarity(a.text, b))
        assert similar_examples(b, "some_other_intent", [a]) == []


def test_the_real_training_data_has_almost_no_flagged_pairs() -> None:
    """At the threshold, the ~450,000 pairs of examples of different intents in data/nlu
    give only a couple of warnings (today two: "I'm not" / "I'm not sure" and "I don't" /
    "I don't know", one word apart): staff are not flooded with false alarms."""
    index = SimilarityIndex(real_examples())
    flagged = {
        frozenset({(e.intent, e.text), (ref.intent, ref.text)})
        for e in real_examples()
        for ref, _ in index.similar(e.text, e.intent, limit=None)
    }
    assert len(flagged) <= 4, sorted(map(sorted, flagged))


def test_held_out_messages_are_flagged_only_against_their_own_intent() -> None:
    """tests/nlu/holdout.yml was written separately from the training data: a held-out
    message close to a training example at the threshold is always close to one of its
    own intent, never another's; and many are caught."""
    index = SimilarityIndex(real_examples())
    own, other = 0, []
    for message in holdout().intent_examples:
        intent, text = message.get("intent"), message.get("text")
        hits = index.search(text, limit=None)
        intents = {index.examples[position].intent for position, _ in hits}
        own += intent in intents
        other.extend((intent, text, i) for i in intents - {intent})
    assert other == []
    assert own >= 20


def test_the_index_answers_fast_for_1500_examples() -> None:
    examples = real_examples() + [
        ExampleRef(f"{e.intent}_copy", f"{e.text} please") for e in real_examples()[:600]
    ]
    assert len(examples) >= 1500
    start = time.perf_counter()
    index = SimilarityIndex(examples)
    for e in examples[:300]:
        index.similar(e.text, e.intent)
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0, f"{elapsed:.2f} s for an index and 300 look-ups"


def test_results_are_closest_first_and_limited() -> None:
    examples = [
        ("a", f"where is my passport {word}") for word in ["now", "please", "today", "again"]
    ]
    examples += [("b", "where is my passport"), ("c", "where is my refund")]
    found = similar_examples("where is my passport", "x", examples, limit=3)
    assert found[0][0] == ExampleRef("b", "where is my passport")
    assert len(found) == 3
    assert [score for _, score in found] == sorted((s for _, s in found), reverse=True)
    assert all(ref.intent != "c" for ref, _ in found)
    assert [ref.intent for ref, _ in similar_examples("where is my passport", "b", examples)] == [
        "a"
    ] * 4


# ------------------------------------------------------------------ whole content


def test_too_few_examples_counts_different_phrases() -> None:
    examples = {"greet": ["hi", "Hi!", "hello"], "bye": ["bye", "ciao", "see you"]}
    assert too_few_examples(examples, 3) == {"greet": 2}
    assert too_few_examples(examples, 2) == {}


def test_responses_without_an_agent_line() -> None:
    responses = {
        "utter_greet": [{"text": "Hi!"}, {"text": "Read: Hello.", "channel": "agent_console"}],
        "utter_bye": [{"text": "Bye!"}],
        "utter_typo": [{"text": "Hi"}, {"text": "Read: hi", "channel": "agent-console"}],
    }
    assert missing_agent_variation(responses) == ["utter_bye", "utter_typo"]


def test_content_findings_in_plain_words() -> None:
    examples = {
        "status_passport": ["where is my passport", "track my passport", "passport status"],
        "le_travel": ["Where is my passport?", "I need a passport", "renew my passport"],
        "greet": ["hi"],
    }
    responses = {"utter_greet": [{"text": "Hi!"}]}
    findings = check_content(examples, responses, minimum_examples=3)
    assert [(f.level, f.code) for f in findings] == [
        ("error", "duplicate_example"),
        ("error", "too_few_examples"),
        ("error", "missing_agent_variation"),
    ]
    duplicate, few, agent = findings
    assert duplicate.details == {
        "text": "where is my passport",  # as first written
        "intents": ["le_travel", "status_passport"],
    }
    assert "'le_travel' and 'status_passport'" in duplicate.message
    assert few == Finding(
        "error",
        "too_few_examples",
        "The intent 'greet' has 1 example. Add at least 2 more: the assistant needs 3 or "
        "more to recognize it.",
        {"intent": "greet", "count": 1, "minimum": 3},
    )
    assert "'utter_greet'" in agent.message and "agents" in agent.message


def test_the_real_content_passes() -> None:
    """data/nlu and bot/domain as they are: the invariants tests elsewhere enforce."""
    examples = by_intent(real_examples())
    assert duplicates_across_intents(examples) == []
    assert check_content(examples, domain().responses, MIN_TRAINING) == []
    assert check_content(examples, domain().responses, 10_000)  # and a bar it cannot meet
