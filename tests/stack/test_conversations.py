"""Conversations through the REST webhook, as a new user would have them."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.integration

URL = re.compile(r"https://[^\s)]+[^\s).,]")
PHONE = re.compile(r"\b1?-?\d{3}-\d{3}-\d{4}\b")
STEP = re.compile(r"^\d\. ")

OPENERS = {
    "retirement": "my wife and I are both retiring next year, what should we be doing",
    "student_loans": "I have like 40k in federal student loans and no clue about repayment",
    "new_child": "my girlfriend is pregnant, what help is out there for new parents",
    "disaster_recovery": "a tornado tore the roof off our house last night",
    "military_transition": "I separate from the Coast Guard in June and need a civilian job",
    "financial_shock": "I was laid off last week and I'm worried about buying groceries",
    "travel": "first time leaving the country, need to get a passport",
    "farming": "looking into a loan to buy my first farm",
    "health_coverage": "I need health insurance, I don't have any right now",
    "loss_of_loved_one": "my dad passed away on sunday",
    "disability": "I can't work anymore because of my MS, can I get disability",
}


# First messages that already answer both of their experience's questions (every question in
# data/catalog/life_experiences.yml): none may be asked again.
ANSWERED_UP_FRONT = {
    "retirement": "I'm a federal employee and I turn 65 next month, what do I do to retire",
    "student_loans": "I can't afford my student loan payments and I work for a nonprofit",
    "new_child": "we just had a baby and money is really tight",
    "disaster_recovery": "the flood destroyed our house. I don't own a business and we don't farm",
    "military_transition": "I just got out of the army and I hurt my back while serving",
    "financial_shock": "I just lost my job and we lost our health insurance",
    "travel": "I'm flying to Europe this summer and I rarely fly",
    "farming": "I'm a beginning farmer and I haven't applied for a loan yet",
    "health_coverage": "I need health insurance, I just turned 65 and we have very little income",
    "loss_of_loved_one": "my husband died last week, he was a veteran",
    "disability": "I can't work anymore because of my illness, I worked until last year and "
    "I never served in the military",
}


def _texts(replies: list[dict]) -> list[str]:
    return [r.get("text", "") for r in replies]


def _answer_questions(stack: Stack, sender: str, replies: list[dict]) -> list[dict]:
    """Click "Not sure" on every clarifying question (it keeps every service)."""
    for _ in range(3):
        payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
        if "/not_sure" not in payloads:
            return replies
        replies = stack.say("/not_sure", sender)
    return replies


@pytest.mark.parametrize("experience", sorted(OPENERS))
def test_every_life_experience_from_first_message_to_next_steps(
    stack: Stack, experience: str
) -> None:
    sender = uuid.uuid4().hex
    replies = stack.say(OPENERS[experience], sender)
    assert stack.tracker(sender)["slots"]["life_experience"] == experience, (
        "the life experience is set from the very first message"
    )
    replies = _answer_questions(stack, sender, replies)
    steps = [t for t in _texts(replies) if STEP.match(t)]
    assert 1 <= len(steps) <= 5, _texts(replies)
    for step in steps:
        assert URL.search(step), f"no https link in: {step}"
        assert PHONE.search(step), f"no phone number in: {step}"
    # Then what else, and the A-11 survey offered once, at this natural end.
    assert [r.get("text") for r in replies[-2:]] == [
        "What else can I help with?",
        "Before you go, would you answer 4 quick questions about this chat? "
        "It takes less than a minute.",
    ]
    assert any(b["payload"] == "/human_handoff" for b in replies[-2]["buttons"])


@pytest.mark.parametrize("experience", sorted(ANSWERED_UP_FRONT))
def test_answers_given_in_the_first_message_are_never_asked(stack: Stack, experience: str) -> None:
    sender = uuid.uuid4().hex
    replies = stack.say(ANSWERED_UP_FRONT[experience], sender)
    tracker = stack.tracker(sender)
    assert tracker["slots"]["life_experience"] == experience
    questions = [
        r["text"] for r in replies if any(b["payload"] == "/not_sure" for b in r.get("buttons", []))
    ]
    assert questions == [], "asked what the first message already said"
    assert any(STEP.match(t) for t in _texts(replies)), _texts(replies)


def test_the_coast_guard_example_lands_in_military_transition_with_va_and_dol(
    stack: Stack,
) -> None:
    sender = uuid.uuid4().hex
    replies = stack.say("I separate from the Coast Guard in June and need a civilian job", sender)
    assert stack.tracker(sender)["slots"]["life_experience"] == "military_transition"
    # "I separate ... in June" already says active duty has not ended: not asked again.
    assert stack.tracker(sender)["slots"]["separated"] == "no"
    assert "injury or illness" in replies[-1]["text"]
    replies = stack.say("/not_sure", sender)  # an injury from service?
    steps = " ".join(t for t in _texts(replies) if STEP.match(t))
    assert "Veterans Affairs" in steps
    assert "Labor" in steps
    assert "va.gov" in steps and "dol.gov" in steps


def test_off_topic_gets_a_polite_no_and_no_life_experience(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    replies = stack.say("what's the best pizza topping", sender)
    assert "only help with federal services" in replies[0]["text"]
    assert stack.tracker(sender)["slots"]["life_experience"] is None


def test_switching_life_experience_mid_flow(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.say("getting ready to retire next spring", sender)
    replies = stack.say("actually I also need a passport", sender)
    assert stack.tracker(sender)["slots"]["life_experience"] == "travel"
    assert "outside the U.S." in replies[-1]["text"]


def test_not_understood_twice_offers_a_person(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    first = stack.say("/nlu_fallback", sender)
    assert "say it another way" in first[0]["text"]
    assert len(first[0]["buttons"]) >= 3
    second = stack.say("/nlu_fallback", sender)
    assert "talk to a person" in second[0]["text"]
    handoff = stack.say(second[0]["buttons"][0]["payload"], sender)
    assert PHONE.search(handoff[0]["text"])


def test_start_over_forgets_the_flow(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.say("we're having a baby in march", sender)
    replies = stack.say("start over", sender)
    assert "start over" in replies[0]["text"]
    tracker = stack.tracker(sender)
    assert tracker["slots"]["life_experience"] is None
    assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")


def test_a_message_no_policy_is_sure_about_gets_one_answer(stack: Stack) -> None:
    """Identity details outside a lookup: the policies' core fallback answers once, then
    waits (it used to run again and again, up to Rasa's 10 actions in one turn)."""
    sender = uuid.uuid4().hex
    stack.say("hello", sender)
    replies = stack.say("/inform", sender)
    texts = _texts(replies)
    assert 1 <= len(texts) <= 2, texts
    assert len(set(texts)) == len(texts), f"the same words twice: {texts}"
    assert stack.say("I'm retiring next year", sender), "the next message is answered"
    assert stack.tracker(sender)["slots"]["life_experience"] == "retirement"
