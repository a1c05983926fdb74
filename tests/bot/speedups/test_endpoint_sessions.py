"""Rasa's endpoint calls reuse one connection, and still get a new one when needed."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.speedups import endpoint_sessions

DOMAIN = {"version": "3.1", "slots": {"lookup": {"type": "text"}}, "responses": {"utter_x": []}}


@pytest.mark.parametrize(
    "body",
    [
        {"next_action": "validate_passport_form", "tracker": {"events": []}, "domain": DOMAIN},
        {"domain": DOMAIN},
        {"domain": {}, "n": 1},
        {"n": 1},
        [1, "two"],
        {"text": "ünïcode ✓", "domain": {**DOMAIN, "note": "\u2028"}},
    ],
)
def test_bodies_encode_to_the_same_json(body: object) -> None:
    assert json.loads(endpoint_sessions.encode_body(body)) == body


def test_a_domain_is_encoded_once_until_it_is_another(monkeypatch: pytest.MonkeyPatch) -> None:
    encoded: list[object] = []
    dumps = json.dumps
    monkeypatch.setattr(json, "dumps", lambda value: encoded.append(value) or dumps(value))
    domain = {**DOMAIN}
    for n in range(3):
        endpoint_sessions.encode_body({"n": n, "domain": domain})
    assert encoded.count(domain) == 1
    newer = {**DOMAIN, "version": "3.2"}
    assert json.loads(endpoint_sessions.encode_body({"domain": newer}))["domain"] == newer


async def _serve(connections: set[int], bodies: list[dict]) -> web.AppRunner:
    async def webhook(request: web.Request) -> web.Response:
        connections.add(request.transport.get_extra_info("peername")[1])
        bodies.append(await request.json())
        if request.query.get("fail"):
            return web.json_response({"error": "no"}, status=500)
        return web.json_response({"events": [], "token": request.query.get("token")})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


def _url(runner: web.AppRunner) -> str:
    port = runner.addresses[0][1]
    return f"http://127.0.0.1:{port}/webhook"


def test_calls_share_a_connection_and_answer_as_before() -> None:
    endpoint_sessions.install()
    connections: set[int] = set()
    bodies: list[dict] = []

    async def scenario() -> list:
        runner = await _serve(connections, bodies)
        endpoint = EndpointConfig(_url(runner), token="secret")
        try:
            answers = [await endpoint.request(json={"n": n}) for n in range(5)]
            with pytest.raises(ClientResponseError):
                await endpoint.request(json={"n": 5}, params={"fail": "1"})
            answers.append(await endpoint.request(json={"n": 6, "domain": DOMAIN}))
            async with endpoint.session() as session:  # as Rasa's agent uses it
                assert not session.closed
            assert not endpoint.session().closed, "leaving the block keeps the session"
            return answers
        finally:
            await endpoint.session().session.close()
            await runner.cleanup()

    answers = asyncio.run(scenario())
    assert answers == [{"events": [], "token": "secret"}] * 6
    assert [b["n"] for b in bodies] == [0, 1, 2, 3, 4, 5, 6]
    assert bodies[-1] == {"n": 6, "domain": DOMAIN}
    assert len(connections) == 1, "one kept-alive connection for every call"


def test_a_closed_session_or_a_new_event_loop_gets_a_new_session() -> None:
    endpoint_sessions.install()
    endpoint = EndpointConfig("http://127.0.0.1:9/unused")

    async def session_of_this_loop() -> object:
        first = endpoint.session()
        assert endpoint.session() is first
        await first.session.close()
        second = endpoint.session()
        assert second is not first and not second.closed
        await second.session.close()
        return second

    one = asyncio.run(session_of_this_loop())
    two = asyncio.run(session_of_this_loop())
    assert one is not two
