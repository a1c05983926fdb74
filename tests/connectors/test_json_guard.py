"""Which bodies the JSON guard refuses (the stack test proves it on every route)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from connectors.json_guard import unreadable_json


def request(method: str, body: bytes, content_type: str = "application/json") -> SimpleNamespace:
    return SimpleNamespace(method=method, body=body, headers={"content-type": content_type})


@pytest.mark.parametrize(
    "method, body, content_type, refused",
    [
        ("POST", b'{"text": "hi"}', "application/json", False),
        ("POST", b'{"text": ', "application/json", True),
        ("POST", b'{"text": ', "", True),
        ("PUT", b"\xff\xfe{}", "application/json", True),
        ("POST", b"", "application/json", False),
        ("GET", b"{", "application/json", False),
        ("PUT", b"\x1f\x8b binary model", "application/x-tar", False),
        ("POST", b"version: '3.1'\nnlu: [", "application/x-yaml", False),
    ],
)
def test_only_bodies_meant_as_json_and_unreadable_are_refused(
    method: str, body: bytes, content_type: str, refused: bool
) -> None:
    assert unreadable_json(request(method, body, content_type)) is refused
