"""Fuzz every mock agency endpoint from its own OpenAPI document: never a 5xx.

Bodies are drawn from each operation's request schema (hypothesis-jsonschema) and
from arbitrary JSON; path, query and header parameters from arbitrary text.
(`test_schemathesis.py` runs schemathesis itself, from a venv of its own; this drives
the same idea with the libraries schemathesis builds on, and strategies of our own.)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from agencies.app import app
from tests.conftest import AGENCY_KEY
from tests.support.services import Service

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("agencies_without_latency")]

SPEC = app.openapi()
# The admin endpoint injects faults on purpose (500, 503): fuzzing it would test nothing.
OPERATIONS = [
    (method, path, operation)
    for path, operations in SPEC["paths"].items()
    if not path.startswith("/admin")
    for method, operation in operations.items()
]
CONTROLLED_HEADERS = {"x-api-key", "x-mock-fault"}
FINITE = st.floats(allow_nan=False, allow_infinity=False)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | FINITE | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
# What an HTTP client can put in a header: visible Latin-1, no line breaks, and no
# leading whitespace (requests refuses that itself, NEL and NBSP included).
HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=40,
).map(str.lstrip)


def body_strategy(operation: dict[str, Any]) -> st.SearchStrategy[Any]:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    rooted = {**schema, "components": SPEC.get("components", {})}
    return from_schema(rooted) | JSON_VALUES


def test_the_fuzz_covers_every_agency() -> None:
    prefixes = {path.split("/")[1] for _, path, _ in OPERATIONS} - {"health"}
    assert len(prefixes) >= 10, prefixes


@pytest.mark.parametrize(
    "method, path, operation", OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_input_makes_an_agency_endpoint_fail(
    agency_service: Service, method: str, path: str, operation: dict[str, Any], data: st.DataObject
) -> None:
    url_path = path
    params: dict[str, str] = {}
    headers = {"X-Api-Key": AGENCY_KEY}
    for parameter in operation.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        if where == "path":
            value = data.draw(st.text(min_size=1, max_size=30), label=name)
            url_path = url_path.replace(f"{{{name}}}", quote(value, safe=""))
        elif where == "query":
            params[name] = data.draw(st.text(max_size=60), label=name)
        elif where == "header" and name.lower() not in CONTROLLED_HEADERS:
            headers[name] = data.draw(HEADER_TEXT, label=name)
    body = data.draw(body_strategy(operation), label="body") if "requestBody" in operation else None
    response = requests.request(
        method.upper(),
        f"{agency_service.url}{url_path}",
        params=params,
        json=body,
        headers=headers,
        timeout=30,
    )
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json"), response.text[:200]
