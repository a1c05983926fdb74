"""The real-people set is what it says: public words, every route covered, never trained on."""

from __future__ import annotations

from collections import Counter
from functools import cache
from urllib.parse import urlparse

import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.settings import REPO_ROOT
from tests.nlu.real_people import OUT_OF_SCOPE, Case, Outcome, load_cases, missed, score

MIN_MESSAGES = 150
MAX_CHARS = 200


@cache
def cases() -> list[Case]:
    return load_cases()


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def test_no_real_message_is_in_the_training_data() -> None:
    trained = {
        _normal(m.get("text")) for m in load_data(str(REPO_ROOT / "data" / "nlu")).intent_examples
    }
    assert [c.text for c in cases() if _normal(c.text) in trained] == []


def test_every_route_and_off_topic_is_covered() -> None:
    intents = {m.get("intent") for m in load_data(str(REPO_ROOT / "data" / "nlu")).intent_examples}
    routes = {i for i in intents if i.startswith(("le_", "status_"))}
    counts = Counter(c.expect for c in cases())
    assert len(cases()) >= MIN_MESSAGES
    assert set(counts) == routes | {OUT_OF_SCOPE}
    assert len([r for r in routes if r.startswith("le_")]) == 11
    assert len([r for r in routes if r.startswith("status_")]) == 10


def test_each_message_is_short_sourced_and_names_real_services() -> None:
    catalog = {
        s["id"]
        for path in (REPO_ROOT / "data" / "catalog" / "services").glob("*.yml")
        for s in yaml.safe_load(path.read_text())["services"]
    }
    for case in cases():
        assert 0 < len(case.text) <= MAX_CHARS, case.text
        assert urlparse(case.source).scheme in ("http", "https"), case.source
        assert set(case.services) <= catalog, case.services
        assert bool(case.services) == (case.expect != OUT_OF_SCOPE), case.text


def _outcome(expect: str, intent: str, found: list[str] = (), services=("a",)) -> Outcome:  # type: ignore[assignment]
    case = Case("text", expect, services if expect != OUT_OF_SCOPE else (), "https://x")
    return Outcome(case, intent, 0.5, list(found))


def test_the_scores_count_routes_off_topic_and_search_answers() -> None:
    result = score(
        [
            _outcome("le_retirement", "le_retirement"),
            _outcome("le_retirement", "nlu_fallback", found=["a"]),
            _outcome("status_passport", "le_travel"),
            _outcome(OUT_OF_SCOPE, "out_of_scope"),
            _outcome(OUT_OF_SCOPE, "status_irs_refund"),
        ]
    )
    assert result["right_route"] == 1 / 3
    assert result["off_topic_kept_unset"] == 1 / 2
    assert result["useful_answer"] == 3 / 5
    assert missed(result) == [
        "right route 0.333 < 0.85",
        "off-topic kept unset 0.500 < 0.9",
        "useful answer 0.600 < 0.92",
    ]
