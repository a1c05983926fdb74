"""The A-11 survey through the REST webhook, against the real stack and its database."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.insights.models import SurveyResponse
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

OFFER = "would you answer 4 quick questions"


def _payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


def _texts(replies: list[dict]) -> str:
    return " | ".join(r.get("text", "") for r in replies)


def _rows(stack: Stack, sender: str) -> list[SurveyResponse]:
    with session_scope(f"sqlite:///{stack.var_dir / 'cx.db'}") as session:
        return list(
            session.scalars(select(SurveyResponse).where(SurveyResponse.conversation_id == sender))
        )


def _next_steps(stack: Stack, sender: str) -> list[dict]:
    replies = stack.say("first time leaving the country, need to get a passport", sender)
    for _ in range(3):
        if "/not_sure" not in _payloads(replies):
            break
        replies = stack.say("/not_sure", sender)
    return replies


def test_offered_after_next_steps_answered_with_buttons_and_words_then_stored(
    stack: Stack,
) -> None:
    sender = uuid.uuid4().hex
    replies = _next_steps(stack, sender)
    assert OFFER in _texts(replies).lower()
    start = next(p for p in _payloads(replies) if p.startswith("/survey_start"))

    replies = stack.say(start, sender)
    assert "(OMB) control number 3090-0321" in _texts(replies)
    assert "I trust the federal government" in _texts(replies)
    replies = stack.say('/survey_answer{"survey_score": "5"}', sender)
    assert "My need was addressed." in _texts(replies)
    replies = stack.say("purple", sender)
    assert "Please choose one of the answers" in _texts(replies)
    replies = stack.say("agree", sender)
    assert "It was easy to complete" in _texts(replies)
    replies = stack.say("strongly disagree", sender)
    assert "reasonable amount of time" in _texts(replies)
    replies = stack.say("3", sender)
    assert "Anything else to tell us" in _texts(replies)
    stack.say("The passport page was clear. My SSN is 123-45-6789.", sender)

    (row,) = _rows(stack, sender)
    assert row.answers == {"trust": 5, "effectiveness": 4, "ease": 1, "efficiency": 3}
    assert row.status == "answered" and row.channel == "rest" and row.trigger == "next_steps"
    assert row.life_experience == "travel" and not row.had_lookup
    assert "6789" not in row.comment and "***-**-****" in row.comment

    again = stack.say("how do I renew my passport", sender)
    assert OFFER not in _texts(again).lower(), "never offered twice"
    replies = stack.say("/end_chat", sender)
    assert [r.get("custom") for r in replies if r.get("custom")] == [{"cx_event": "chat_ended"}]
    assert "I trust" not in _texts(replies), "never asked twice"
    assert len(_rows(stack, sender)) == 1


def test_one_click_declines_it(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    _next_steps(stack, sender)
    replies = stack.say("/survey_skip", sender)
    assert "No problem" in _texts(replies)
    (row,) = _rows(stack, sender)
    assert row.status == "skipped" and row.answers == {}


def test_ending_the_chat_asks_the_survey_and_skip_ends_it(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.say("hello", sender)
    replies = stack.say("/end_chat", sender)
    assert "I trust the federal government" in _texts(replies)
    assert "/survey_skip" in _payloads(replies)
    replies = stack.say('/survey_answer{"survey_score": "2"}', sender)
    replies = stack.say("/survey_skip", sender)
    assert [r.get("custom") for r in replies if r.get("custom")] == [{"cx_event": "chat_ended"}]
    (row,) = _rows(stack, sender)
    assert row.trigger == "close" and row.answers == {"trust": 2}


def test_a_new_request_mid_survey_is_answered(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.say("hello", sender)
    stack.say("/end_chat", sender)
    replies = stack.say("where is my passport", sender)
    assert "last name" in _texts(replies).lower(), _texts(replies)
