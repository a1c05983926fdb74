"""Two Rasa replicas on one Redis serve any turn of any conversation (issue 8, "Scale out").

The stack's own Rasa process and a second replica started from its exact command line
share the Redis tracker store and the race-safe lock store. Turns go to a randomly
chosen replica; every conversation must end with all its messages, in order, each
answered, none lost or duplicated.
"""

from __future__ import annotations

import itertools
import random
import signal
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.replica import Replica, start_replica
from tests.support.stack import Stack, start_stack, stop_stack

pytestmark = pytest.mark.integration

CONVERSATIONS = 50
# Navigation only: messages typed while a lookup form runs are stored masked.
SCRIPTS = [
    [
        "hi",
        "I'm getting close to retirement",
        "what can you do",
        "how do I talk to a person",
        "thanks",
        "bye",
    ],
    [
        "hello there",
        "I lost my job last week",
        "can I get help paying for food",
        "start over",
        "I'm leaving the army next year",
        "thank you",
    ],
    [
        "hey",
        "we just had a baby",
        "start over",
        "a hurricane damaged my house",
        "what can you do",
        "goodbye",
    ],
]
APOLOGY = "Sorry, something went wrong on our side"


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str
) -> Iterator[tuple[Stack, Replica]]:
    var_dir = tmp_path_factory.mktemp("replicas-var")
    stack = start_stack(var_dir, remove_env=("DATABASE_URL",), REDIS_URL=redis_url)
    try:
        second = start_replica(stack, var_dir / "replica.log")
    except Exception:
        stop_stack(stack)
        raise
    yield stack, second
    second.stop()
    stop_stack(stack)


def send(base_url: str, sender: str, message: str) -> list[dict]:
    response = requests.post(
        f"{base_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": message},
        timeout=180,
    )
    response.raise_for_status()
    return response.json()


def turns(stack: Stack, sender: str) -> list[tuple[str, list[str]]]:
    """(user text, what the bot said before the next user message), from the tracker."""
    found: list[tuple[str, list[str]]] = []
    for event in stack.tracker(sender)["events"]:
        if event["event"] == "user":
            found.append((event["text"], []))
        elif event["event"] == "bot" and found:
            found[-1][1].append(event.get("text") or "")
    return found


def assert_answered_in_order(stack: Stack, sender: str, sent: list[str]) -> None:
    recorded = turns(stack, sender)
    assert [text for text, _ in recorded] == sent, "every message once, in order"
    for text, said in recorded:
        assert said, f"{text!r} was not answered"
        assert not any(APOLOGY in s for s in said), f"{text!r} failed: {said}"


def test_turns_spread_over_two_replicas_keep_every_conversation_whole(
    replicas: tuple[Stack, Replica],
) -> None:
    stack, second = replicas
    urls = [stack.url("rasa").rstrip("/"), second.url]
    chooser = random.Random(8)
    plans = [
        (uuid.uuid4().hex, SCRIPTS[n % len(SCRIPTS)], [chooser.choice(urls) for _ in range(6)])
        for n in range(CONVERSATIONS)
    ]

    def converse(plan: tuple[str, list[str], list[str]]) -> None:
        sender, script, targets = plan
        for message, url in zip(script, targets, strict=True):
            assert send(url, sender, message), f"no reply to {message!r}"

    with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
        list(pool.map(converse, plans))

    served_by_both = sum(len(set(targets)) == 2 for _, _, targets in plans)
    assert served_by_both > CONVERSATIONS / 2
    for sender, script, _ in plans:
        assert_answered_in_order(stack, sender, script)


def test_two_messages_of_one_conversation_at_once_on_two_replicas_are_serialised(
    replicas: tuple[Stack, Replica],
) -> None:
    """A double send (two tabs, a retry) hits both replicas at the same moment: the lock
    makes one wait for the other, so neither turn overwrites the other's events."""
    stack, second = replicas
    urls = [stack.url("rasa").rstrip("/"), second.url]
    senders = [uuid.uuid4().hex for _ in range(20)]
    for sender in senders:
        send(urls[0], sender, "hello")

    messages = ["I'm retiring", "what can you do"]
    pairs = [(s, m, u) for s in senders for m, u in zip(messages, urls, strict=True)]
    with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
        list(pool.map(lambda p: send(p[2], p[0], p[1]), pairs))

    for sender in senders:
        recorded = [text for text, _ in turns(stack, sender)]
        assert recorded[0] == "hello"
        assert sorted(recorded[1:]) == ["I'm retiring", "what can you do"]
        assert_answered_in_order(stack, sender, recorded)


def test_a_replica_killed_mid_run_loses_no_conversation(
    replicas: tuple[Stack, Replica], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SIGKILL one replica once a third of the turns of 30 concurrent conversations are
    answered (mid-run however fast the machine): like the balancer, the client sends
    a failed turn to the surviving replica; every conversation still has every message,
    in order, answered. A turn in flight at the kill may have been stored just before the
    process died: then its retry is its only duplicate."""
    stack, _ = replicas
    victim = start_replica(stack, tmp_path_factory.mktemp("victim") / "replica.log")
    survivor = stack.url("rasa").rstrip("/")
    chooser = random.Random(9)
    plans = [
        (uuid.uuid4().hex, SCRIPTS[n % len(SCRIPTS)], [chooser.random() < 0.5 for _ in range(6)])
        for n in range(30)
    ]
    retried: dict[str, set[str]] = {sender: set() for sender, _, _ in plans}
    kill_at = sum(len(script) for _, script, _ in plans) // 3
    answered = itertools.count(1)

    def answer() -> None:
        if next(answered) == kill_at:  # count() is atomic under the GIL
            victim.process.kill()

    def converse(plan: tuple[str, list[str], list[bool]]) -> None:
        sender, script, to_victim = plan
        for message, first_choice in zip(script, to_victim, strict=True):
            if first_choice and victim.process.poll() is None:
                try:
                    assert send(victim.url, sender, message)
                    answer()
                    continue
                except requests.RequestException:
                    retried[sender].add(message)
            assert send(survivor, sender, message), f"no reply to {message!r}"
            answer()

    try:
        with ThreadPoolExecutor(max_workers=len(plans)) as pool:
            list(pool.map(converse, plans))
    finally:
        victim.stop()

    assert victim.process.returncode == -signal.SIGKILL, "the replica was killed"
    assert any(retried.values()), "the kill caught turns in flight (mid-run)"
    for sender, script, _ in plans:
        recorded = turns(stack, sender)
        texts = [text for text, _ in recorded]
        deduplicated = [
            text
            for i, text in enumerate(texts)
            if not (i and text == texts[i - 1] and text in retried[sender])
        ]
        assert deduplicated == script, f"lost or reordered: {texts}"
        for text, said in recorded:
            assert said and not any(APOLOGY in s for s in said), f"{text!r}: {said}"
