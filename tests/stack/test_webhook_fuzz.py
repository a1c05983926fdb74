"""Fuzz the REST webhook with hypothesis: whatever arrives, never a 5xx, always JSON."""

from __future__ import annotations

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.stack import Stack

pytestmark = pytest.mark.integration

FINITE = st.floats(allow_nan=False, allow_infinity=False)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | FINITE | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
MESSAGES = st.fixed_dictionaries(
    {"sender": st.text(max_size=140) | JSON_VALUES, "message": st.text(max_size=600) | JSON_VALUES},
    optional={"metadata": JSON_VALUES, "input_channel": st.text(max_size=20)},
)
BODIES = (
    MESSAGES.map(lambda body: json.dumps(body).encode())
    | JSON_VALUES.map(lambda value: json.dumps(value).encode())
    | st.binary(max_size=300)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODIES)
def test_no_request_body_makes_the_webhook_fail(stack: Stack, body: bytes) -> None:
    response = requests.post(
        stack.url("rasa", "/webhooks/rest/webhook"),
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code in (200, 400, 413, 429), (response.status_code, response.text)
    assert isinstance(response.json(), list | dict)
