"""A lookup and a life experience too close to call fall to the fallback, marked with both."""

from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.case_or_program import CaseOrProgram, close_call
from bot.nlu.parse_keys import CASE_OR_PROGRAM


def ranked(*pairs: tuple[str, float]) -> list[dict]:
    return [{"name": n, "confidence": c} for n, c in pairs]


def test_a_lookup_and_an_experience_within_the_margin_are_a_close_call() -> None:
    ranking = ranked(("le_health_coverage", 0.37), ("status_medicare", 0.33))
    assert close_call(ranking, 0.1) == {
        "lookup": "status_medicare",
        "experience": "le_health_coverage",
    }


def test_a_clear_lead_or_another_pair_is_not() -> None:
    assert close_call(ranked(("status_medicare", 0.6), ("le_health_coverage", 0.3)), 0.1) is None
    assert close_call(ranked(("le_retirement", 0.4), ("le_disability", 0.38)), 0.1) is None
    assert close_call(ranked(("status_passport", 0.4), ("status_fema", 0.38)), 0.1) is None
    assert close_call(ranked(("greet", 0.9)), 0.1) is None


def test_the_message_falls_to_the_fallback_with_both_routes() -> None:
    message = Message(
        data={
            TEXT: "my medicare card never came",
            INTENT: {"name": "status_medicare", "confidence": 0.36},
        }
    )
    message.set("intent_ranking", ranked(("status_medicare", 0.36), ("le_health_coverage", 0.33)))
    CaseOrProgram({"margin": 0.1}).process([message])
    assert message.get(INTENT)["name"] == "nlu_fallback"
    assert message.get(CASE_OR_PROGRAM) == {
        "lookup": "status_medicare",
        "experience": "le_health_coverage",
    }
    assert message.as_dict(only_output_properties=True)[CASE_OR_PROGRAM]


def test_a_clear_message_is_left_alone() -> None:
    message = Message(
        data={TEXT: "where is my passport", INTENT: {"name": "status_passport", "confidence": 0.9}}
    )
    message.set("intent_ranking", ranked(("status_passport", 0.9), ("le_travel", 0.05)))
    CaseOrProgram({"margin": 0.1}).process([message])
    assert message.get(INTENT)["name"] == "status_passport"
    assert message.get(CASE_OR_PROGRAM) is None
