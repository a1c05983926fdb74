"""Warm handoff against the whole stack: a person in the widget's socket.io channel asks
for a person, an agent takes the chat through the web app's routes, the assistant stays
silent (no reply, no apology) while the agent's messages reach the person's room, and
answers again once the agent hands the chat back. Plus: two agents racing for one chat,
and the callback number offered to a person who waited too long."""

from __future__ import annotations

import queue
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import requests

from bot.auth.accounts import create_account
from bot.handoff.sql_queue import SqlHandoffQueue
from tests.connectors.test_website import Client
from tests.stack.test_agent_console import signed_in
from tests.support.stack import Stack

pytestmark = pytest.mark.integration
QUIET_SECONDS = 6  # long enough for the assistant to have answered, had it been asked


class Person:
    """The widget's side: one conversation in the socket.io channel."""

    def __init__(self, stack: Stack) -> None:
        self.session = uuid.uuid4().hex
        self.client = Client(stack.url("rasa").rstrip("/"))
        self.client.sio.emit("session_request", {"session_id": self.session})
        assert self.client.next("session_confirm") == self.session

    def say(self, text: str) -> None:
        self.client.sio.emit(
            "user_uttered",
            {"message": text, "session_id": self.session, "metadata": {"language": "en"}},
        )

    def receive(self, wanted: Callable[[dict], bool], timeout: float = 60) -> dict:
        """The first bot_uttered that `wanted` accepts (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            data = self.client.next("bot_uttered", timeout=max(0.1, deadline - time.monotonic()))
            if isinstance(data, dict) and wanted(data):
                return data

    def nothing_for(self, seconds: float) -> list[object]:
        """Everything the channel sent in `seconds`: should be nothing."""
        received = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                received.append(self.client.events.get(timeout=left))
            except queue.Empty:
                break
        return received

    def ask_for_a_person(self) -> int:
        self.say("/human_handoff")
        waiting = self.receive(lambda m: cx_event(m) == "handoff_waiting")
        return int(waiting["custom"]["place"])


def cx_event(message: dict) -> str | None:
    custom = message.get("custom")
    return custom.get("cx_event") if isinstance(custom, dict) else None


class Agent:
    """The console's calls for one signed-in agent."""

    def __init__(self, stack: Stack, username: str = "agent", password: str | None = None) -> None:
        self.stack = stack
        self.session, self.csrf = signed_in(stack, username, password)

    def post(self, path: str, body: dict | None = None) -> requests.Response:
        return self.session.post(
            self.stack.url("web", path),
            json=body or {},
            headers={"X-CSRF-Token": self.csrf},
            timeout=60,
        )

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.stack.url("web", path), timeout=60)


@pytest.fixture
def person(stack: Stack) -> Iterator[Person]:
    someone = Person(stack)
    yield someone
    someone.client.sio.disconnect()


def status(stack: Stack, session: str) -> dict:
    response = requests.get(stack.url("web", f"/api/chat/handoff/{session}"), timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_handoff_from_the_widget_to_an_agent_and_back(stack: Stack, person: Person) -> None:
    person.say("I'm retiring next year")
    person.receive(lambda m: bool(m.get("text")))
    place = person.ask_for_a_person()
    assert place >= 1
    assert status(stack, person.session)["state"] == "waiting"

    agent = Agent(stack)
    line = agent.get("/api/agent/queue").json()["waiting"]
    [mine] = [w for w in line if w["conversationId"] == person.session]
    assert "retiring" in mine["summary"] and "Approaching retirement" in mine["summary"]
    assert mine["waitSeconds"] >= 0 and mine["overdue"] is False

    taken = agent.post(f"/api/agent/queue/{person.session}/claim")
    assert taken.status_code == 200, taken.text
    joined = person.receive(lambda m: cx_event(m) == "agent_joined")
    assert joined["custom"]["agent"] == "Demo Agent"
    assert status(stack, person.session) | {"place": None} == {
        "state": "claimed",
        "place": None,
        "agent": "Demo Agent",
        "overdue": False,
        "callback": None,
    }

    # The assistant is silent: no answer, no apology; the message is kept (masked) for
    # the agent.
    person.say("hello, is anyone there? My SSN is 123-45-6789")
    assert person.nothing_for(QUIET_SECONDS) == []
    tracker = stack.tracker(person.session)
    assert tracker["paused"] is True
    assert tracker["latest_message"]["text"] == "hello, is anyone there? My SSN is ***-**-****"
    assert tracker["slots"]["agent_joined"] is True
    transcript = agent.get(f"/api/agent/calls/{person.session}").json()["transcript"]
    assert transcript[-1]["text"] == "hello, is anyone there? My SSN is ***-**-****"

    # The agent's words reach the person's room, stored with the agent's name.
    words = "Hi, I'm Dana. I can help."
    sent = agent.post(f"/api/agent/chats/{person.session}/send", {"text": words})
    assert sent.status_code == 200, sent.text
    said = person.receive(lambda m: bool(m.get("text")))
    assert said["text"] == words
    [stored] = [e for e in stack.tracker(person.session)["events"] if e["event"] == "bot"][-1:]
    assert stored["text"] == words
    assert stored["metadata"]["agent"] == "Demo Agent"
    history = requests.get(stack.url("web", f"/api/chat/history/{person.session}"), timeout=30)
    restored = history.json()["messages"][-1]
    assert (restored["sender"], restored["agent"]) == ("bot", "Demo Agent"), "named on reload"

    # Handed back: the assistant answers the next message again.
    back = agent.post(f"/api/agent/chats/{person.session}/release")
    assert back.status_code == 200, back.text
    left = person.receive(lambda m: cx_event(m) == "agent_left")
    assert left["custom"] == {"cx_event": "agent_left", "agent": "Demo Agent", "closed": False}
    assert status(stack, person.session)["state"] == "none"
    person.say("hello")
    reply = person.receive(lambda m: bool(m.get("text")))
    assert reply["text"] and not reply["text"].startswith("Sorry, something went wrong")
    assert stack.tracker(person.session)["paused"] is False


def test_only_the_agent_holding_a_chat_writes_in_it(stack: Stack, person: Person) -> None:
    person.ask_for_a_person()
    agent = Agent(stack)
    early = agent.post(f"/api/agent/chats/{person.session}/send", {"text": "hi"})
    assert early.status_code == 403, "nobody took it yet"
    assert agent.post(f"/api/agent/queue/{person.session}/claim").status_code == 200
    closed = agent.post(f"/api/agent/chats/{person.session}/close")
    assert closed.status_code == 200, closed.text
    ended = person.receive(lambda m: cx_event(m) == "agent_left")
    assert ended["custom"]["closed"] is True
    again = agent.post(f"/api/agent/queue/{person.session}/claim")
    assert again.status_code == 404 and "no longer waiting" in again.text


def test_two_agents_claiming_at_once_one_wins_the_other_is_told(
    stack: Stack, person: Person
) -> None:
    password = secrets.token_urlsafe(18)
    username = f"agent-{uuid.uuid4().hex[:6]}"
    create_account(
        username, password, ["agent"], "Second Agent", url=f"sqlite:///{stack.var_dir}/cx.db"
    )
    agents = [Agent(stack), Agent(stack, username, password)]
    person.ask_for_a_person()

    start = threading.Barrier(len(agents))
    results: list[requests.Response] = [None] * len(agents)  # type: ignore[list-item]

    def claim(index: int) -> None:
        start.wait()
        results[index] = agents[index].post(f"/api/agent/queue/{person.session}/claim")

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(agents))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    winner = next(r for r in results if r.status_code == 200).json()["agent"]
    loser = next(r for r in results if r.status_code == 409)
    assert loser.json()["detail"] == f"Already taken by {winner}."
    assert winner in ("Demo Agent", "Second Agent")
    assert status(stack, person.session)["agent"] == winner


def test_a_long_wait_is_offered_the_agency_s_number(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.say("I'm retiring next year", sender)  # the conversation is about retirement
    line = SqlHandoffQueue(f"sqlite:///{stack.var_dir}/cx.db")
    line.join(sender, "website", "Person asked about retiring.", now=time.time() - 400)
    current = status(stack, sender)
    assert current["state"] == "waiting" and current["overdue"] is True
    assert current["callback"]["agency"] == "Social Security Administration"
    assert current["callback"]["phone"] == "1-800-772-1213"

    left = requests.post(stack.url("web", f"/api/chat/handoff/{sender}/leave"), timeout=30)
    assert left.status_code == 200
    assert status(stack, sender)["state"] == "none"
