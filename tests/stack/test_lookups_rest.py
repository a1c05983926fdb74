"""Status lookups through the REST webhook, as a new user tries them (issue 9's "Done when")."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import Stack, descendants

pytestmark = pytest.mark.integration


def conversation(stack: Stack, *messages: str) -> tuple[str, list[list[dict]]]:
    sender = uuid.uuid4().hex
    return sender, [stack.say(m, sender) for m in messages]


def text(replies: list[dict]) -> str:
    return " ".join(r.get("text", "") for r in replies)


@pytest.fixture
def reset_faults(stack: Stack) -> Iterator[None]:
    yield
    stack.set_agency_fault(None)


@pytest.mark.parametrize(
    "messages, expected",
    [
        (
            ["where is my passport", "Rivera", "03/14/1985", "4821"],
            ["in process", "October 2, 2026", "1-877-487-2778"],
        ),
        (
            ["check my va claim", "600123456", "Nguyen", "07/04/1979"],
            ["getting records", "What we need from you: Private medical records"],
        ),
        (
            ["how much do I still owe on my student loans", "Okafor", "1994-11-30", "7712"],
            ["MOHELA", "74 of 120", "Direct Subsidized Loan: $12,400.00", "Income-Based"],
        ),
        (
            ["any update on my farm loan application", "FSA-2026-004417", "Jensen"],
            ["not complete", "Balance sheet; Tax returns for the last 3 years"],
        ),
        (
            ["check my uscis case please", "IOE0912345678"],
            ["reviewing your case", "I-485"],
        ),
    ],
    ids=["passport", "va_claim", "student_loans", "farm_loan", "uscis_case"],
)
def test_demo_records_answer_in_plain_words(
    stack: Stack, messages: list[str], expected: list[str]
) -> None:
    _, turns = conversation(stack, *messages)
    answer = text(turns[-1])
    for snippet in expected:
        assert snippet in answer, answer


def test_several_details_in_one_message(stack: Stack) -> None:
    _, turns = conversation(
        stack, "where is my passport", "Rivera, born 03/14/1985, last four 4821"
    )
    assert "in process" in text(turns[-1])


def test_a_wrong_birth_date_gets_the_same_no_match_as_a_stranger(stack: Stack) -> None:
    _, wrong = conversation(stack, "where is my passport", "Rivera", "03/15/1985", "4821")
    _, stranger = conversation(stack, "where is my passport", "Nobody", "03/14/1985", "4821")
    assert "We couldn't find an application with those details" in text(wrong[-1])
    assert text(wrong[-1]) == text(stranger[-1])
    assert "1-877-487-2778" in text(wrong[-1])


def test_three_misses_lock_lookups_for_the_conversation(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    for _ in range(3):
        for message in ("where is my passport", "Nobody", "01/01/1990", "1111"):
            replies = stack.say(message, sender)
    assert "can't look up any more cases" in text(replies)
    replies = stack.say("check my uscis case please", sender)
    assert "can't look up any more cases" in text(replies)


def test_guessing_a_birth_date_in_fresh_conversations_never_finds_it(stack: Stack) -> None:
    """Issue 22: new conversation ids (and /restart) each gave three fresh guesses.
    Walsh (passport, last four 6610) was born 12/30/2001; no other test uses her."""
    guesses = ["12/29/2001", "12/31/2001", "12/28/2001", "12/30/2001", "12/30/2001"]
    answers = []
    for born in guesses:
        sender = uuid.uuid4().hex
        stack.say("/restart", sender)
        for message in ("where is my passport", "Walsh", born):
            stack.say(message, sender)
        answers.append(text(stack.say("6610", sender)))
    assert not any("Your passport was mailed" in a for a in answers), answers
    assert all("can't look up any more cases" in a for a in answers[2:]), answers


def test_an_invalid_detail_gets_its_format(stack: Stack) -> None:
    _, turns = conversation(stack, "check my uscis case please", "IOE123")
    assert "3 letters and 10 digits, like IOE0912345678" in text(turns[-1])


def test_cancel_stops_and_keeps_nothing(stack: Stack) -> None:
    sender, turns = conversation(stack, "where is my passport", "Rivera", "never mind, cancel that")
    assert "I stopped" in text(turns[-1])
    tracker = stack.tracker(sender)
    assert not (tracker.get("active_loop") or {}).get("name")
    assert tracker["slots"]["last_name"] is None


def test_an_agency_outage_is_answered_honestly_with_its_phone(
    stack: Stack, reset_faults: None
) -> None:
    stack.set_agency_fault("state", fault="unavailable503")
    # A record no other test looks up: a cached answer would hide the outage, rightly.
    _, turns = conversation(stack, "where is my passport", "Okonkwo", "01/05/1972", "9154")
    answer = text(turns[-1])
    assert "isn't answering right now" in answer
    assert "1-877-487-2778" in answer


def test_a_stopped_agency_service_gives_the_outage_answer(stack: Stack) -> None:
    """SIGSTOP freezes the mock agency process: calls time out as with a dead service."""
    agencies = next(
        pid
        for pid in descendants(stack.process.pid)
        if b"agencies.app" in Path(f"/proc/{pid}/cmdline").read_bytes()
    )
    sender, _ = conversation(stack, "check my uscis case please")
    os.kill(agencies, signal.SIGSTOP)
    try:
        answer = text(stack.say("EAC2612345678", sender))
    finally:
        os.kill(agencies, signal.SIGCONT)
    assert "isn't answering right now" in answer
    assert "1-800-375-5283" in answer


def test_the_tracker_store_keeps_none_of_the_values_typed(stack: Stack) -> None:
    sender, _ = conversation(
        stack, "where is my passport", "Rivera", "03/14/1985", "4821", "thanks"
    )
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        stored = " ".join(
            row[0] for row in db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,))
        )
    for typed in ("Rivera", "03/14/1985", "1985", "4821"):
        # As a value of its own, not digits inside a timestamp (1796006593.3801985).
        found = re.search(rf"(?<![\w.]){re.escape(typed)}(?![\w])", stored)
        assert found is None, f"{typed!r} reached the tracker store"
    assert "where is my passport" in stored, "ordinary text is kept"
