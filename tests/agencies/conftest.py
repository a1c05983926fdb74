"""Fixtures of the agency fuzz tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from agencies.content import agency_files
from tests.conftest import AGENCY_ADMIN
from tests.support.services import Service


@pytest.fixture(scope="module")
def agencies_without_latency(agency_service: Service) -> Iterator[Service]:
    """The agency service with no simulated latency: the agencies' realistic latency only
    slows fuzzing down. Put back afterwards."""
    admin = {"Authorization": f"Bearer {AGENCY_ADMIN}"}
    for agency in agency_files():
        requests.post(
            f"{agency_service.url}/admin/faults",
            json={"agency": agency.agency, "latency_ms": 0},
            headers=admin,
            timeout=5,
        ).raise_for_status()
    yield agency_service
    requests.delete(f"{agency_service.url}/admin/faults", headers=admin, timeout=5)
