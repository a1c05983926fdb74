"""Every response has a script line for contact-center agents (output channel `agent_console`).

Agents read the assistant to a caller on the phone. Rasa 3.6 picks the variations whose
`channel` is the output channel's name and falls back to those without a `channel`, so a
response lacking its agent line reads the chat wording to the agent without any error, and
a misspelt channel is never picked. Actions fill in the placeholders and the buttons'
payloads drive the dialogue: the two wordings must agree on both.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker

from tests.bot.test_domain import domain

AGENT_CONSOLE = "agent_console"
# What Rasa's interpolator fills in: {name}. Doubled braces are literal ones ({{"k": "v"}}).
PLACEHOLDER = re.compile(r"\{([^\n{}]+?)\}")
# An agent line tells the agent what to do with it before what to say.
SCRIPT_OPENINGS = (
    "Ask the caller: ",
    "Read: ",
    "Tell the caller: ",
    "Confirm with the caller: ",
    "Offer: ",
    "Note: ",
)
# Keys that may differ between the wordings (button titles may, payloads may not: see
# payloads()); everything else (images, custom data) is what channels act on.
WORDING_KEYS = {"text", "channel", "buttons"}

Variation = dict[str, Any]


def is_public(variation: Variation) -> bool:
    return variation.get("channel") is None  # as Rasa tells them apart


def is_agent(variation: Variation) -> bool:
    return variation.get("channel") == AGENT_CONSOLE


def responses() -> dict[str, list[Variation]]:
    return domain().responses


def placeholders(text: str | None) -> set[str]:
    return set(PLACEHOLDER.findall((text or "").replace("{{", "").replace("}}", "")))


def payloads(variation: Variation) -> list[str | None]:
    return [button.get("payload") for button in variation.get("buttons") or []]


def other_content(variation: Variation) -> dict[str, Any]:
    return {k: v for k, v in variation.items() if k not in WORDING_KEYS}


def pairs() -> list[tuple[str, Variation, Variation]]:
    """(response, public variation, agent variation) for every combination of the two."""
    return [
        (name, public, agent)
        for name, variations in responses().items()
        for public in filter(is_public, variations)
        for agent in filter(is_agent, variations)
    ]


def test_every_response_has_a_public_and_an_agent_variation() -> None:
    missing = []
    for name, variations in sorted(responses().items()):
        if not any(map(is_public, variations)):
            missing.append(f"{name}: no public variation (one without a channel)")
        if not any(map(is_agent, variations)):
            missing.append(f"{name}: no {AGENT_CONSOLE} variation")
    assert not missing, "responses without both wordings:\n" + "\n".join(missing)


def test_the_public_variation_comes_first() -> None:
    # Code reading the domain itself (the insights export) takes the first one as the public one.
    wrong = [name for name, variations in responses().items() if not is_public(variations[0])]
    assert not wrong, f"the first variation has a channel: {sorted(wrong)}"


def test_no_other_channel_names() -> None:
    # Rasa matches the channel name exactly: "agent-console" would silently never be read.
    unknown = sorted(
        f"{name}: {variation['channel']!r}"
        for name, variations in responses().items()
        for variation in variations
        if not is_public(variation) and not is_agent(variation)
    )
    assert not unknown, "unknown channels (only agent_console is served):\n" + "\n".join(unknown)


def test_agent_lines_start_as_a_script_line() -> None:
    unscripted = sorted(
        f"{name}: {agent.get('text')!r}"
        for name, variations in responses().items()
        for agent in filter(is_agent, variations)
        if not (agent.get("text") or "").startswith(SCRIPT_OPENINGS)
    )
    assert not unscripted, f"agent lines must open with one of {SCRIPT_OPENINGS}:\n" + "\n".join(
        unscripted
    )


def test_agent_and_public_wording_use_the_same_placeholders() -> None:
    # A missing placeholder hides what an action filled in; an extra one renders as "None".
    different = sorted(
        f"{name}: public {sorted(placeholders(public.get('text')))}"
        f" != agent {sorted(placeholders(agent.get('text')))}"
        for name, public, agent in pairs()
        if placeholders(public.get("text")) != placeholders(agent.get("text"))
    )
    assert not different, "placeholders differ:\n" + "\n".join(different)


def test_agent_and_public_buttons_send_the_same_payloads() -> None:
    different = sorted(
        f"{name}: public {payloads(public)} != agent {payloads(agent)}"
        for name, public, agent in pairs()
        if payloads(public) != payloads(agent)
    )
    assert not different, "button payloads differ:\n" + "\n".join(different)


def test_agent_and_public_variations_carry_the_same_other_content() -> None:
    different = sorted(
        f"{name}: public {other_content(public)} != agent {other_content(agent)}"
        for name, public, agent in pairs()
        if other_content(public) != other_content(agent)
    )
    assert not different, "keys besides text and button titles differ:\n" + "\n".join(different)


def test_agents_read_the_survey_statements_word_for_word() -> None:
    # The A-11 Section 280 statements are standardised: answers only compare if they match.
    statements = [
        (name, public, agent)
        for name, public, agent in pairs()
        if any((p or "").startswith("/survey_answer") for p in payloads(public))
    ]
    assert statements, "no survey statement found (answers are /survey_answer buttons)"
    reworded = sorted(
        name for name, public, agent in statements if public["text"] not in agent["text"]
    )
    assert not reworded, f"agent lines reword the A-11 statement: {reworded}"


def _generate(output_channel: str) -> dict[str, Any] | None:
    nlg = TemplatedNaturalLanguageGenerator(responses())
    tracker = DialogueStateTracker.from_events("t", [])
    return asyncio.run(
        nlg.generate("utter_lookup_status", tracker, output_channel, agency="X", status="Y")
    )


def test_rasa_picks_the_agent_wording_for_the_agent_console_only() -> None:
    agent = _generate(AGENT_CONSOLE)
    assert agent is not None
    assert agent["text"] == "Read: X: Y"
    for channel in ("collector", "website"):
        public = _generate(channel)
        assert public is not None
        assert public["text"] == "X: Y", channel
