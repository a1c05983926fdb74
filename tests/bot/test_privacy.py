from __future__ import annotations

import pytest

from bot.privacy import mask_event, mask_events, mask_text


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("my ssn is 123-45-6789", "my ssn is ***-**-6789"),
        ("123 45 6789", "***-**-6789"),
        ("123456789", "***-**-6789"),  # nine digits may be an SSN: masked as one
        ("born 1985-03-14", "born **/**/****"),
        ("born 03/14/1985 in Ohio", "born **/**/**** in Ohio"),
        ("March 14, 1985", "**/**/****"),
        ("14th of march 1985", "**/**/****"),
        ("receipt IOE0912345678", "receipt *********5678"),
        ("FSA-2026-004417", "***-****-**4417"),
        ("claim 600123456", "claim ***-**-3456"),
        ("registration 4401234567", "registration ******4567"),
        ("mail me at maria.rivera@example.com", "mail me at ***@***"),
        ("account 000123456789", "account ********6789"),
        ("MBI 1EG4TE5MK73", "MBI *******MK73"),
    ],
)
def test_identifiers_are_masked(typed: str, stored: str) -> None:
    assert mask_text(typed) == stored
    assert mask_text(stored) == stored, "masking twice changes nothing"


@pytest.mark.parametrize(
    "text",
    ["I retire in 2027", "last four 4821", "I'm 64", "help with my student loans", "$1,250"],
)
def test_ordinary_words_and_small_numbers_stay(text: str) -> None:
    assert mask_text(text) == text


def test_user_events_are_masked_everywhere_but_bot_messages_stay() -> None:
    user = {
        "event": "user",
        "text": "born 03/14/1985",
        "parse_data": {"text": "born 03/14/1985", "entities": [{"value": "03/14/1985"}]},
        "timestamp": 1.0,
    }
    masked = mask_event(user)
    assert "1985" not in str(masked)
    assert masked["timestamp"] == 1.0
    bot = {"event": "bot", "text": "Your status changed on 2026-10-02."}
    assert mask_event(bot) == bot


def test_answers_given_to_a_lookup_form_are_not_kept_at_all() -> None:
    events = [
        {"event": "user", "text": "where is my passport", "parse_data": {"text": "x"}},
        {"event": "active_loop", "name": "passport_form"},
        {"event": "bot", "text": "What is your last name?"},
        {"event": "user", "text": "Rivera", "parse_data": {"text": "Rivera", "entities": [1]}},
        {"event": "user", "text": "4821", "parse_data": {"text": "4821"}},
        {"event": "active_loop", "name": None},
        {"event": "user", "text": "thanks Rivera", "parse_data": {"text": "thanks Rivera"}},
        {"event": "active_loop", "name": "life_experience_form"},
        {"event": "user", "text": "yes", "parse_data": {"text": "yes"}},
    ]
    texts = [e["text"] for e in mask_events(events) if e["event"] == "user"]
    assert texts == [
        "where is my passport",
        "[identity details, not kept]",
        "[identity details, not kept]",
        "thanks Rivera",
        "yes",
    ]


def test_a_vault_reference_in_a_slot_survives_masking() -> None:
    from actions import vault

    reference = vault.keep("1985-03-14")
    slot = {"event": "slot", "name": "date_of_birth", "value": reference}
    assert mask_event(slot)["value"] == reference
