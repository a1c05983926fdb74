"""The agent console against the whole stack: the `agent_console` channel's wording and
token, the compliance gate through every channel, and a call from start to wrap-up
through the web app's routes, as the console page makes them."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.support.stack import Stack

RIVERA = "Rivera, born 03/14/1985, last four 4821"
STATUS_WORDS = ("in process", "October", "4 to 6 weeks")
pytestmark = pytest.mark.integration


def texts(messages: list[dict]) -> str:
    return " ".join(m.get("text") or "" for m in messages)


def channel_say(stack: Stack, sender: str, message: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.post(
        stack.url("rasa", "/webhooks/agent_console/webhook"),
        json={"sender": sender, "message": message},
        headers=headers,
        timeout=60,
    )


def signed_in(
    stack: Stack, username: str = "agent", password: str | None = None
) -> tuple[requests.Session, str]:
    """A browser-like session of a staff account (a demo one by default); its CSRF token."""
    session = requests.Session()
    response = session.post(
        stack.url("web", "/api/session"),
        json={"username": username, "password": password or stack.staff_demo_password()},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return session, response.json()["csrfToken"]


class Console:
    """The calls the console page makes, for one signed-in agent."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.session, self.csrf = signed_in(stack)
        self.call = ""

    def post(self, path: str, body: dict | None = None) -> requests.Response:
        return self.session.post(
            self.stack.url("web", path),
            json=body or {},
            headers={"X-CSRF-Token": self.csrf},
            timeout=90,
        )

    def start(self) -> dict:
        state = self.ok(self.post("/api/agent/calls"))
        self.call = state["conversationId"]
        return state

    def say(self, text: str) -> dict:
        return self.ok(self.post(f"/api/agent/calls/{self.call}/say", {"text": text}))

    def ok(self, response: requests.Response) -> dict:
        assert response.status_code == 200, response.text
        return response.json()


def test_the_channel_speaks_to_agents_and_only_with_the_token(stack: Stack) -> None:
    sender = f"call-{uuid.uuid4().hex[:12]}"
    assert channel_say(stack, sender, "where is my passport", None).status_code == 401
    assert channel_say(stack, sender, "where is my passport", "wrong").status_code == 401
    console = channel_say(stack, sender, "where is my passport", stack.token)
    assert console.status_code == 200
    public = stack.say("where is my passport")
    agent_text, public_text = texts(console.json()), texts(public)
    assert "Do not disclose" in agent_text
    assert "Ask the caller" in agent_text
    assert "Ask the caller" not in public_text and "Do not disclose" not in public_text
    checklists = [m["custom"]["verification"] for m in console.json() if "custom" in m]
    assert checklists and checklists[0]["lookup"] == "passport"
    assert not [m for m in public if "custom" in m], "no checklist for the public"
    events = stack.tracker(sender)["events"]
    assert {e.get("input_channel") for e in events if e["event"] == "user"} == {"agent_console"}


def test_bad_input_to_the_channel_is_refused_in_agent_words(stack: Stack) -> None:
    bad_sender = channel_say(stack, "no spaces allowed", "hello", stack.token)
    assert bad_sender.status_code == 400
    empty = channel_say(stack, f"call-{uuid.uuid4().hex[:12]}", "   ", stack.token)
    assert empty.status_code == 400
    assert empty.json()["message"].startswith("Note:")


def test_no_status_before_verification_through_any_channel(stack: Stack) -> None:
    """REST: nothing before the agency matched the details. Console: nothing before the
    agent's checklist either, even with the details right."""
    rest_sender = uuid.uuid4().hex
    before = stack.say("where is my passport", rest_sender)
    assert not any(word in texts(before) for word in STATUS_WORDS)
    assert "in process" in texts(stack.say(RIVERA, rest_sender)), "the agency matched them"

    sender = f"call-{uuid.uuid4().hex[:12]}"
    channel_say(stack, sender, "where is my passport", stack.token)
    withheld = channel_say(stack, sender, RIVERA, stack.token).json()
    assert not any(word in texts(withheld) for word in STATUS_WORDS)
    assert not [m for m in withheld if "case" in (m.get("custom") or {})]
    assert "verification" in texts(withheld).lower() or any(
        "verification" in (m.get("custom") or {}) for m in withheld
    )
    slots = stack.tracker(sender)["slots"]
    assert slots["lookup_outcome"] == "withheld"


def test_a_call_from_start_to_wrap_up(stack: Stack) -> None:
    console = Console(stack)
    state = console.start()
    assert state["transcript"] == [] and console.call.startswith("call-")

    state = console.say("where is my passport")
    assert state["verification"]["lookup"] == "passport"
    assert state["script"] and all(line["sender"] == "bot" for line in state["script"])
    assert any("Ask the caller" in line["text"] for line in state["script"])

    # The agent completes the checklist before the caller gives the details.
    verify = console.post(f"/api/agent/calls/{console.call}/verify", {"lookup": "passport"})
    state = console.ok(verify)
    assert state["verified"] == ["passport"]
    assert state["verification"]["done"] is True

    state = console.say(RIVERA)
    case = state["case"]
    assert case["status"] == "in_process" and case["agency"] == "U.S. Department of State"
    assert case["phone"] == "1-877-487-2778" and case["next"]
    assert any(line["text"].startswith("Read:") for line in state["script"])
    assert "4821" not in str(state["transcript"]), "identity answers are not kept"

    note = console.session.get(
        stack.url("web", f"/api/agent/calls/{console.call}/note"), timeout=30
    ).json()["note"]
    assert "Status lookup (Check your passport status): status given." in note
    assert "Caller verified for: U.S. Department of State." in note

    refused = console.post(f"/api/agent/calls/{console.call}/wrapup", {"note": note})
    assert refused.status_code == 400 and "Choose how the call ended" in refused.text
    saved = console.ok(
        console.post(
            f"/api/agent/calls/{console.call}/wrapup",
            {"disposition": "resolved", "note": note + " Caller's SSN 123-45-6789."},
        )
    )
    [wrapup] = saved["wrapups"]
    assert wrapup["disposition"] == "resolved" and wrapup["agent"] == "agent"
    assert "6789" not in wrapup["note"] and "***-**-****" in wrapup["note"]
    reread = console.session.get(stack.url("web", f"/api/agent/calls/{console.call}"), timeout=30)
    assert reread.json()["wrapups"] == saved["wrapups"], "visible with the transcript later"


def test_a_lookup_before_the_checklist_is_withheld_then_given(stack: Stack) -> None:
    console = Console(stack)
    console.start()
    console.say("where is my passport")
    state = console.say(RIVERA)
    assert state["case"] is None
    assert state["facts"]["lookupOutcome"] == "withheld until verification"
    again = [b for line in state["script"] for b in line["buttons"]]
    assert [b["payload"] for b in again] == ["/status_passport"]
    console.ok(console.post(f"/api/agent/calls/{console.call}/verify", {"lookup": "passport"}))
    # "Look up again" uses the details the caller gave: nothing is asked a second time.
    state = console.say(again[0]["payload"])
    assert state["case"]["status"] == "in_process"
    questions = ("last name", "date of birth", "last 4 digits")
    assert not [q for q in questions for line in state["script"] if q in line["text"]]


def test_only_signed_in_agents_with_the_token_reach_the_console(stack: Stack) -> None:
    anonymous = requests.post(stack.url("web", "/api/agent/calls"), timeout=30)
    assert anonymous.status_code == 401
    page = requests.get(
        stack.url("web", "/agent"),
        headers={"Accept": "text/html"},
        allow_redirects=False,
        timeout=30,
    )
    assert page.status_code == 303 and page.headers["Location"] == "/login?next=/agent"
    manager, csrf = signed_in(stack, "manager")
    wrong_role = manager.post(
        stack.url("web", "/api/agent/calls"), headers={"X-CSRF-Token": csrf}, timeout=30
    )
    assert wrong_role.status_code == 403
    console = Console(stack)
    no_csrf = console.session.post(stack.url("web", "/api/agent/calls"), timeout=30)
    assert no_csrf.status_code == 403
    assert console.post("/api/agent/calls/has spaces/say", {"text": "hi"}).status_code in (400, 404)
    assert (
        console.post("/api/agent/calls/call-abcdef123456/verify", {"lookup": "x"}).status_code
        == 404
    ), "a call the console never started"
    wrong_password = requests.post(
        stack.url("web", "/api/session"), json={"username": "agent", "password": "nope"}, timeout=30
    )
    assert wrong_password.status_code == 401
