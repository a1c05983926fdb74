"""Every client reads its agency's answer (each demo record's body, served by `responses`),
and refuses one that describes another person."""

from __future__ import annotations

import re

import pytest
import responses

from actions.clients import CLIENTS
from actions.clients.base import ResultCache
from actions.clients.content import all_lookups
from agencies.content import agency_files
from bot.settings import Settings
from tests.support.demo_records import EXPECTED

BASE = "http://agency.test"
LOOKUP_OF_AGENCY = {content.agency: lookup for lookup, content in all_lookups().items()}
RECORDS = [(agency.agency, record) for agency in agency_files() for record in agency.records]


def client(lookup: str):  # type: ignore[no-untyped-def]
    cache = ResultCache(Settings(redis_url=None, agency_cache_ttl_seconds=0), "s")
    return CLIENTS[lookup](BASE, "key", timeout=1, result_cache=cache)


def serve(body: object) -> None:
    """Answer every lookup call with `body` (and OpenFEMA with its own envelope)."""
    declarations = {"metadata": {}, "DisasterDeclarationsSummaries": []}
    responses.get(re.compile(f"{BASE}/fema/api/open/.*"), json=declarations)
    responses.post(re.compile(f"{BASE}/.*"), json=body)
    responses.get(re.compile(f"{BASE}/.*"), json=body)


@pytest.mark.parametrize("agency, record", RECORDS, ids=[r.id for _, r in RECORDS])
@responses.activate
def test_each_record_body_is_read(agency: str, record) -> None:  # type: ignore[no-untyped-def]
    serve(record.response)
    result = client(LOOKUP_OF_AGENCY[agency]).lookup(**record.identity)
    assert result.outcome == "found", result.reason
    assert result.status.status == EXPECTED[record.id]


@pytest.mark.parametrize("agency", sorted(LOOKUP_OF_AGENCY))
@responses.activate
def test_a_body_about_someone_else_is_refused(agency: str) -> None:
    first, second = [r for a, r in RECORDS if a == agency][:2]
    serve(second.response)
    result = client(LOOKUP_OF_AGENCY[agency]).lookup(**first.identity)
    assert (result.outcome, result.reason) == ("unavailable", "record for another person")
