"""The handoff routes on the real web app (SQLite queue, Rasa's HTTP API answered by
`responses`): what an agent writes reaches the person as typed."""

from __future__ import annotations

import json
import re

import responses

from bot.handoff import queue_for
from bot.settings import get_settings
from tests.bot.web.test_agent import RASA, signed_in, staff  # noqa: F401 (fixture)

CHAT = "a1b2c3d4e5f60718"
APPEND = re.compile(rf"{re.escape(RASA)}/conversations/{CHAT}/tracker/events")


@responses.activate
def test_what_the_agent_types_is_sent_to_the_person_as_typed(staff: None) -> None:  # noqa: F811
    responses.post(APPEND, json={})
    queue = queue_for(get_settings())
    queue.join(CHAT, "website", "Person asked about retiring.")
    ana = signed_in("ana")
    assert ana.post(f"/api/agent/queue/{CHAT}/claim").status_code == 200

    words = "Your appointment is 12/03/2026; we will call you at 202-555-0143."
    sent = ana.post(f"/api/agent/chats/{CHAT}/send", json={"text": words})

    assert sent.status_code == 200, sent.text
    assert sent.json()["text"] == words
    assert (
        sent.json()["stored"] == "Your appointment is **/**/****; we will call you at ***-***-0143."
    )
    request = responses.calls[-1].request
    assert "output_channel=website" in request.url
    [event] = json.loads(request.body)
    assert (event["text"], event["metadata"]) == (words, {"agent": "Ana"}), (
        "the live message is the agent's words; the tracker store masks the copy it keeps"
    )
