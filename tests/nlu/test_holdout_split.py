"""The held-out split is honest: never trained on, and large enough per intent."""

from __future__ import annotations

from collections import Counter
from functools import cache

from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.settings import REPO_ROOT
from tests.nlu.report import TARGET_MACRO_F1, figures, missed

MIN_TRAINING = 20
MIN_HOLDOUT = 10
MIN_HOLDOUT_OUT_OF_SCOPE = 20


@cache
def training() -> TrainingData:
    return load_data(str(REPO_ROOT / "data" / "nlu"))


@cache
def holdout() -> TrainingData:
    return load_data(str(REPO_ROOT / "tests" / "nlu" / "holdout.yml"))


def _texts(data: TrainingData) -> set[str]:
    return {" ".join(m.get("text").lower().split()) for m in data.intent_examples}


def test_no_holdout_message_is_in_the_training_data() -> None:
    assert not _texts(training()) & _texts(holdout())


def test_every_intent_has_enough_examples_in_both() -> None:
    trained = Counter(m.get("intent") for m in training().intent_examples)
    held = Counter(m.get("intent") for m in holdout().intent_examples)
    assert set(trained) == set(held), set(trained) ^ set(held)
    assert {i: n for i, n in trained.items() if n < MIN_TRAINING} == {}
    short = {
        i: n
        for i, n in held.items()
        if n < (MIN_HOLDOUT_OUT_OF_SCOPE if i == "out_of_scope" else MIN_HOLDOUT)
    }
    assert short == {}


def test_the_report_fails_a_missed_target(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    report = {
        "accuracy": 0.9,
        "macro avg": {"f1-score": TARGET_MACRO_F1 - 0.01, "support": 10},
        "weighted avg": {"f1-score": 0.9},
        "out_of_scope": {"precision": 0.95, "recall": 0.5},
    }
    (tmp_path / "intent_report.json").write_text(json.dumps(report))
    problems = missed(figures(tmp_path))
    assert len(problems) == 2
