"""What a person already said answers the questions, and only when it clearly does."""

from __future__ import annotations

import pytest
import yaml

from actions.said_answers import CUES_FILE, pieces, said_answers
from bot.settings import REPO_ROOT


def test_every_question_of_every_life_experience_has_cues_for_yes_and_no() -> None:
    catalog = yaml.safe_load((REPO_ROOT / "data" / "catalog" / "life_experiences.yml").read_text())
    asked = {q for e in catalog["life_experiences"] for q in e["questions"]}
    cues = yaml.safe_load(CUES_FILE.read_text())["questions"]
    assert asked <= set(cues), asked - set(cues)
    assert all(set(cues[q]) == {"yes", "no"} for q in asked)


@pytest.mark.parametrize(
    ("said", "questions", "answers"),
    [
        ("I just lost my job", ["lost_job", "has_health_coverage"], {"lost_job": "yes"}),
        (
            "got laid off in october, and we lost our health insurance with it",
            ["lost_job", "has_health_coverage"],
            {"lost_job": "yes", "has_health_coverage": "no"},
        ),
        ("I'm turning 65 in March", ["federal_employee", "near_65"], {"near_65": "yes"}),
        ("I'm a federal employee", ["federal_employee", "near_65"], {"federal_employee": "yes"}),
        ("my husband died", ["deceased_veteran", "survivor"], {"survivor": "yes"}),
        ("we had twins", ["child_arrived", "low_income"], {"child_arrived": "yes"}),
    ],
)
def test_answers_given_in_other_words_are_found(
    said: str, questions: list[str], answers: dict[str, str]
) -> None:
    assert said_answers().answers([said], questions) == answers


@pytest.mark.parametrize(
    ("said", "questions"),
    [
        ("I'm a teacher with student loans", ["payment_trouble"]),
        ("I'm not sure what to do with my loans", ["payment_trouble"]),
        ("I want to plan my retirement", ["federal_employee", "near_65"]),
        ("hello", ["lost_job"]),
    ],
)
def test_nothing_is_assumed_from_words_that_do_not_say_it(said: str, questions: list[str]) -> None:
    assert said_answers().answers([said], questions) == {}


def test_only_the_questions_asked_about_are_answered() -> None:
    assert said_answers().answers(["I just lost my job"], ["near_65"]) == {}


def test_a_message_is_read_sentence_by_sentence_and_clause_by_clause() -> None:
    assert pieces("Laid off in May. We lost our insurance, and rent is due") == [
        "Laid off in May. We lost our insurance, and rent is due",
        "Laid off in May.",
        "Laid off in May",
        "We lost our insurance, and rent is due",
        "We lost our insurance",
        "rent is due",
    ]


def test_a_negated_sentence_never_matches_the_answer_it_denies() -> None:
    assert said_answers().answers(["I'm not a federal employee"], ["federal_employee"]) == {
        "federal_employee": "no"
    }
    assert said_answers().answers(["I didn't lose my job"], ["lost_job"]) != {"lost_job": "yes"}
