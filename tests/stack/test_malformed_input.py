"""Every HTTP endpoint of the stack that reads JSON answers broken JSON with a clear 4xx,
and every protected one refuses a missing or wrong token (issue: bad input, each a test)."""

from __future__ import annotations

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
