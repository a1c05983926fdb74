"""Bodies the web app cannot take get a 400 or a 413 with a reason, never a 500: deep
JSON, oversized bodies, and text that is not valid Unicode (lone surrogates)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.settings import get_settings

JSON = {"Content-Type": "application/json"}
# What a client sends for a lone surrogate: valid JSON, not valid Unicode.
LONE_SURROGATE = b'{"username": "edna", "password": "\\ud800x", "text": "\\ud800 help"}'
JSON_ROUTES = [
    ("POST", "/api/session"),
    ("POST", "/api/agent/calls/call-a1b2c3d4/say"),
    ("POST", "/api/agent/chats/a1b2c3d4e5f6/send"),
    ("POST", "/studio/api/check-example"),
]


def nested(depth: int) -> bytes:
    return b'{"username": ' + b"[" * depth + b"]" * depth + b', "password": "x"}'


@pytest.mark.parametrize("method, path", JSON_ROUTES)
@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_json_is_a_400(
    staff_client: TestClient, method: str, path: str, depth: int
) -> None:
    response = staff_client.request(method, path, content=nested(depth), headers=JSON)
    assert response.status_code == 400, response.text[:300]
    assert "nested deeper than 32" in response.json()["detail"]


def test_json_within_the_depth_reaches_the_route(staff_client: TestClient) -> None:
    response = staff_client.post("/api/session", content=nested(20), headers=JSON)
    assert response.status_code == 400
    assert response.json()["detail"] == "Enter your username and your password."


@pytest.mark.parametrize("method, path", JSON_ROUTES)
def test_text_that_is_not_valid_unicode_is_a_400(
    staff_client: TestClient, method: str, path: str
) -> None:
    response = staff_client.request(method, path, content=LONE_SURROGATE, headers=JSON)
    assert response.status_code == 400, response.text[:300]
    assert "not valid Unicode" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/session", "/login", "/api/chat/handoff/a1b2c3d4e5f6/leave"])
def test_a_body_over_the_limit_is_a_413(staff_client: TestClient, path: str) -> None:
    limit = get_settings().max_body_bytes
    body = b'{"username": "' + b"x" * limit + b'"}'
    response = staff_client.post(path, content=body, headers=JSON)
    assert response.status_code == 413
    assert f"larger than {limit} bytes" in response.json()["detail"]


def test_a_body_over_the_limit_without_a_declared_length_is_a_413(staff_client: TestClient) -> None:
    limit = get_settings().max_body_bytes
    chunks = (b"x" * 65_536 for _ in range(limit // 65_536 + 2))  # chunked: no Content-Length
    response = staff_client.post("/api/session", content=chunks, headers=JSON)
    assert response.status_code == 413


def test_a_form_within_the_limit_is_read_as_before(staff_client: TestClient) -> None:
    staff_client.cookies.clear()
    response = staff_client.post("/login", data={"username": "edna", "password": "wrong"})
    assert response.status_code in (400, 401, 403)  # refused by the route, in its words
    assert "<html" in response.text.lower()
