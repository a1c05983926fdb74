"""Every HTTP endpoint of the stack that reads JSON answers broken JSON with a clear 4xx,
and every protected one refuses a missing or wrong token (issue: bad input, each a test)."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.stack import Stack

pytestmark = pytest.mark.integration

BROKEN = b'{"sender": "x", "message": '
RASA_JSON_ENDPOINTS = [
    ("POST", "/webhooks/rest/webhook"),
    ("POST", "/model/parse"),
    ("POST", "/conversations/{id}/messages"),
    ("POST", "/conversations/{id}/tracker/events"),
    ("PUT", "/conversations/{id}/tracker/events"),
    ("POST", "/conversations/{id}/trigger_intent"),
    ("POST", "/conversations/{id}/execute"),
]
RASA_PROTECTED = [
    ("GET", "/status"),
    ("GET", "/conversations/{id}/tracker"),
    ("POST", "/model/parse"),
    ("POST", "/conversations/{id}/messages"),
    ("PUT", "/model"),
]


def _clear_4xx(response: requests.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.text.strip(), "a 4xx must say why"


def _agency_json_endpoints(stack: Stack) -> list[tuple[str, str]]:
    spec = requests.get(stack.url("agencies", "/openapi.json"), timeout=10).json()
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                found.append((method.upper(), path))
    return found


def test_every_agency_endpoint_with_a_body_refuses_broken_json(stack: Stack) -> None:
    endpoints = _agency_json_endpoints(stack)
    assert len(endpoints) >= 9, endpoints  # eight POST lookups and the admin faults, at least
    headers = {
        "Content-Type": "application/json",
        "X-Api-Key": stack.agency_key,
        "Authorization": f"Bearer {stack.admin_token}",
    }
    for method, path in endpoints:
        response = requests.request(
            method, stack.url("agencies", path), data=BROKEN, headers=headers, timeout=10
        )
        _clear_4xx(response)
        assert response.json()["detail"], path


@pytest.mark.parametrize("method, path", RASA_JSON_ENDPOINTS)
def test_every_rasa_endpoint_with_a_body_refuses_broken_json(
    stack: Stack, method: str, path: str
) -> None:
    response = requests.request(
        method,
        stack.url("rasa", path.format(id="malformed-json-test")),
        params={"token": stack.token},
        data=BROKEN,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    _clear_4xx(response)


@pytest.mark.parametrize("token", [None, "wrong-token"])
@pytest.mark.parametrize("method, path", RASA_PROTECTED)
def test_the_rasa_http_api_needs_its_token(
    stack: Stack, method: str, path: str, token: str | None
) -> None:
    response = requests.request(
        method,
        stack.url("rasa", path.format(id="token-test")),
        params={"token": token} if token else {},
        json={"text": "hello"},
        timeout=30,
    )
    assert response.status_code in (401, 403), (response.status_code, response.text[:200])


def test_staff_endpoints_need_a_session(stack: Stack) -> None:
    for path in ("/api/insights/figures", "/api/insights/quarterly.csv"):
        response = requests.get(stack.url("web", path), timeout=10)
        assert response.status_code == 401, path
    page = requests.get(
        stack.url("web", "/insights"),
        headers={"Accept": "text/html"},
        allow_redirects=False,
        timeout=10,
    )
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


# Issue 22: deep JSON, oversized bodies and lone surrogates at every entrance of the Rasa
# server (its channels and its HTTP API) get a 400 or a 413 that says why, never a 500
# or an answer. The bodies are otherwise what each route takes.
RASA_ENTRANCES = [
    ("POST", "/webhooks/rest/webhook", {"sender": "entrance-test", "message": "hi"}),
    ("POST", "/webhooks/agent_console/webhook", {"sender": "entrance-test", "message": "hi"}),
    ("POST", "/model/parse", {"text": "hi"}),
    ("POST", "/conversations/entrance-test/messages", {"text": "hi", "sender": "user"}),
    ("POST", "/conversations/entrance-test/trigger_intent", {"name": "greet"}),
]


def _rasa(stack: Stack, method: str, path: str, body: bytes) -> requests.Response:
    return requests.request(
        method,
        stack.url("rasa", path),
        params={"token": stack.token},
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {stack.token}"},
        timeout=60,
    )


def _with(body: dict, **extra: str) -> bytes:
    """`body` as JSON text with `extra` fields spliced in verbatim."""
    text = json.dumps(body)[:-1]
    return (text + "".join(f', "{k}": {v}' for k, v in extra.items()) + "}").encode()


@pytest.mark.parametrize("depth", [50, 100_000])
@pytest.mark.parametrize("method, path, body", RASA_ENTRANCES)
def test_deeply_nested_json_is_a_400_at_every_rasa_entrance(
    stack: Stack, method: str, path: str, body: dict, depth: int
) -> None:
    response = _rasa(stack, method, path, _with(body, metadata="[" * depth + "]" * depth))
    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert "nested deeper than" in response.json()["message"]


@pytest.mark.parametrize("method, path, body", RASA_ENTRANCES)
def test_a_body_over_the_limit_is_a_413_at_every_rasa_entrance(
    stack: Stack, method: str, path: str, body: dict
) -> None:
    padding = '"' + "x" * (2 * 1_048_576) + '"'
    response = _rasa(stack, method, path, _with(body, padding=padding))
    assert response.status_code == 413, (response.status_code, response.text[:300])
    assert "larger than 1048576 bytes" in response.json()["message"]


@pytest.mark.parametrize("method, path, body", RASA_ENTRANCES)
def test_a_lone_surrogate_is_a_400_at_every_rasa_entrance(
    stack: Stack, method: str, path: str, body: dict
) -> None:
    text = json.dumps(body).replace('"hi"', '"\\ud800 hi"').replace('"greet"', '"\\udc00"')
    response = _rasa(stack, method, path, text.encode())
    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert response.json()["error"] == "bad_request"
    said = [e.get("text") or "" for e in stack.tracker("entrance-test")["events"]]
    assert not any("\ud800" in text for text in said), "nothing refused is stored"


def test_a_body_within_the_limit_is_still_answered(stack: Stack) -> None:
    body = _with({"text": "hello"}, padding='"' + "x" * 200_000 + '"')
    response = _rasa(stack, "POST", "/model/parse", body)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["intent"]["name"]
