from __future__ import annotations

from bot.privacy import IDENTITY_ANSWER, mask_event, mask_events, was_redacted


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


def test_identity_details_typed_when_no_lookup_runs_lose_the_name_and_last_four() -> None:
    typed = "Rivera, born 03/14/1985, last four 4821"
    event = {
        "event": "user",
        "text": typed,
        "parse_data": {"text": typed, "intent": {"name": "inform"}, "entities": []},
    }
    [stored] = mask_events([event])
    assert stored["text"] == stored["parse_data"]["text"]
    assert stored["text"] == "[name], born **/**/****, last four ****"
    assert not any(raw in str(stored) for raw in ("Rivera", "4821", "1985"))


def test_a_message_a_lookup_read_identity_details_from_is_not_kept() -> None:
    """It starts the form (no loop runs yet), and the form keeps what it read in the
    vault: whatever its wording, the message is an identity answer."""
    typed = "passport status for Rivera 4821 please"
    events = [
        {"event": "user", "text": typed, "parse_data": {"text": typed, "entities": []}},
        {"event": "action", "name": "passport_form"},
        {"event": "active_loop", "name": "passport_form"},
        {"event": "slot", "name": "last_name", "value": "vault:AbCdEfGhIjKlMnOpQrStUvWx"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "thanks", "parse_data": {"text": "thanks"}},
        {"event": "active_loop", "name": None},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "what else", "parse_data": {"text": "what else"}},
        {"event": "slot", "name": "lookup_outcome", "value": "found"},
        {"event": "action", "name": "action_listen"},
        # A new session carries over a reference left by an abandoned form: it says
        # nothing of the message before it.
        {"event": "session_started"},
        {"event": "slot", "name": "last_name", "value": "vault:AbCdEfGhIjKlMnOpQrStUvWx"},
        {"event": "user", "text": "hello again", "parse_data": {"text": "hello again"}},
    ]
    texts = [e["text"] for e in mask_events(events) if e["event"] == "user"]
    assert texts == [IDENTITY_ANSWER, IDENTITY_ANSWER, "what else", "hello again"]


def test_what_an_agent_typed_is_stored_masked_and_marked_redacted() -> None:
    typed = {
        "event": "bot",
        "text": "Your appointment is 12/03/2026; we will call 202-555-0143.",
        "metadata": {"agent": "Dana"},
    }
    [stored] = mask_events([typed])
    assert stored["text"] == "Your appointment is **/**/****; we will call ***-***-0143."
    assert stored["metadata"] == {"agent": "Dana", "redacted": True}
    assert was_redacted(stored)
    assert typed["text"].startswith("Your appointment is 12/03"), "the live event is untouched"


def test_only_messages_masking_changed_are_marked_redacted() -> None:
    events = [
        {"event": "user", "text": "born 03/14/1985", "metadata": {"language": "en"}},
        {"event": "user", "text": "I'm retiring"},
        {"event": "bot", "text": "Your status changed on 2026-10-02."},
        {"event": "bot", "text": "Hi, I'm Dana.", "metadata": {"agent": "Dana"}},
    ]
    stored = mask_events(events)
    assert [was_redacted(e) for e in stored] == [True, False, False, False]
    assert stored[0]["metadata"] == {"language": "en", "redacted": True}
    assert mask_events(stored) == stored, "storing a stored conversation again changes nothing"


def test_an_identity_answer_that_is_not_kept_is_marked_redacted() -> None:
    events = [
        {"event": "active_loop", "name": "passport_form"},
        {"event": "user", "text": "Rivera", "parse_data": {"text": "Rivera"}},
    ]
    assert was_redacted(mask_events(events)[1])
