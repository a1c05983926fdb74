"""The mock agency HTTP service: keys, identity checks, faults, bad input, OpenAPI."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests

from agencies.content import agency_files
from tests.conftest import AGENCY_ADMIN, AGENCY_KEY
from tests.support.services import Service

pytestmark = pytest.mark.integration

KEY = {"X-Api-Key": AGENCY_KEY}
RIVERA = {
    "lastName": "Rivera",
    "dateOfBirth": "1985-03-14",
    "ssnLast4": "4821",
    "privacyActAccepted": True,
}
PASSPORT = "/state/passport/v1/application-status"


def post(service: Service, path: str, body: object, **headers: str) -> requests.Response:
    return requests.post(f"{service.url}{path}", json=body, headers={**KEY, **headers}, timeout=30)


def test_a_matching_record_is_disclosed(agency_service: Service) -> None:
    response = post(agency_service, PASSPORT, {**RIVERA, "lastName": "RIVERA"})
    assert response.status_code == 200
    assert response.json()["status"] == "In Process"
    assert response.json()["applicationReceivedDate"] == "2026-10-02"


def test_wrong_details_and_no_record_look_exactly_alike(agency_service: Service) -> None:
    wrong_birthday = post(agency_service, PASSPORT, {**RIVERA, "dateOfBirth": "1985-03-15"})
    nobody = post(agency_service, PASSPORT, {**RIVERA, "lastName": "Nobody"})
    assert wrong_birthday.status_code == nobody.status_code == 404
    assert wrong_birthday.json() == nobody.json()


@pytest.mark.parametrize("headers", [{}, {"X-Api-Key": "not-a-key"}])
def test_every_agency_endpoint_needs_a_known_key(agency_service: Service, headers: dict) -> None:
    response = requests.post(f"{agency_service.url}{PASSPORT}", json=RIVERA, headers=headers)
    assert response.status_code == 401
    assert "key" in response.json()["detail"].lower()
    uscis = requests.get(f"{agency_service.url}/uscis/case-status/IOE0912345678", headers=headers)
    assert uscis.status_code == 401


def test_the_privacy_act_notice_must_be_accepted(agency_service: Service) -> None:
    response = post(agency_service, PASSPORT, {**RIVERA, "privacyActAccepted": False})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body, raw",
    [
        (None, b"{not json"),
        (None, b'{"lastName": 5}'),
        ({**RIVERA, "dateOfBirth": "March 14"}, None),
        ({**RIVERA, "ssnLast4": "48211"}, None),
        ([1, 2, 3], None),
    ],
)
def test_bad_input_is_a_clear_4xx_never_a_500(
    agency_service: Service, body: object, raw: bytes | None
) -> None:
    if raw is not None:
        response = requests.post(
            f"{agency_service.url}{PASSPORT}",
            data=raw,
            headers={**KEY, "Content-Type": "application/json"},
        )
    else:
        response = post(agency_service, PASSPORT, body)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_a_huge_body_is_refused_before_it_is_read(agency_service: Service) -> None:
    response = post(agency_service, PASSPORT, {**RIVERA, "lastName": "x" * 100_000})
    assert response.status_code == 413


@pytest.mark.parametrize(
    "fault, status",
    [("error500", 500), ("unavailable503", 503), ("bogus", 400)],
)
def test_fault_header_makes_one_request_fail(
    agency_service: Service, fault: str, status: int
) -> None:
    response = post(agency_service, PASSPORT, RIVERA, **{"X-Mock-Fault": fault})
    assert response.status_code == status
    if status == 503:
        assert int(response.headers["Retry-After"]) > 0
    assert post(agency_service, PASSPORT, RIVERA).status_code == 200, "only that request"


def test_malformed_and_wrong_person_faults(agency_service: Service) -> None:
    malformed = post(agency_service, PASSPORT, RIVERA, **{"X-Mock-Fault": "malformed"})
    with pytest.raises(ValueError):
        malformed.json()
    wrong = post(agency_service, PASSPORT, RIVERA, **{"X-Mock-Fault": "wrong_person"})
    assert wrong.status_code == 200
    assert wrong.json()["lastName"] != "Rivera"


def test_admin_faults_need_the_token_and_apply_to_one_agency(
    agency_service: Service, agency_faults: Callable[..., None]
) -> None:
    unauthorised = requests.post(
        f"{agency_service.url}/admin/faults", json={"agency": "state", "fault": "error500"}
    )
    assert unauthorised.status_code == 401
    agency_faults("state", fault="error500")
    assert post(agency_service, PASSPORT, RIVERA).status_code == 500
    other = requests.get(f"{agency_service.url}/uscis/case-status/IOE0912345678", headers=KEY)
    assert other.status_code == 200
    listing = requests.get(
        f"{agency_service.url}/admin/faults", headers={"Authorization": f"Bearer {AGENCY_ADMIN}"}
    )
    assert listing.json()["state"]["fault"] == "error500"


def test_admin_latency_slows_an_agency(
    agency_service: Service, agency_faults: Callable[..., None]
) -> None:
    agency_faults("tsa", latency_ms=600)
    started = time.monotonic()
    requests.post(
        f"{agency_service.url}/tsa/precheck/v1/status",
        json={"knownTravelerNumber": "TT1234567", "lastName": "Patel", "dateOfBirth": "1988-02-09"},
        headers=KEY,
        timeout=10,
    )
    assert time.monotonic() - started >= 0.6


def test_unknown_agency_or_fault_in_admin_is_refused(agency_service: Service) -> None:
    headers = {"Authorization": f"Bearer {AGENCY_ADMIN}"}
    bad_agency = requests.post(
        f"{agency_service.url}/admin/faults", json={"agency": "nasa"}, headers=headers
    )
    bad_fault = requests.post(
        f"{agency_service.url}/admin/faults",
        json={"agency": "state", "fault": "x"},
        headers=headers,
    )
    assert bad_agency.status_code == 404
    assert bad_fault.status_code == 422


def test_openfema_declarations_filter_and_envelope(agency_service: Service) -> None:
    url = f"{agency_service.url}/fema/api/open/v2/DisasterDeclarationsSummaries"
    body = requests.get(url, params={"$filter": "state eq 'KY'"}, headers=KEY).json()
    assert body["metadata"]["count"] == 1
    assert body["DisasterDeclarationsSummaries"][0]["disasterNumber"] == 4903
    bad = requests.get(url, params={"$filter": "state gt 3"}, headers=KEY)
    assert bad.status_code == 400


def test_openapi_documents_every_agency(agency_service: Service) -> None:
    spec = requests.get(f"{agency_service.url}/openapi.json").json()
    prefixes = {path.split("/")[1] for path in spec["paths"]}
    assert {
        "state",
        "ssa",
        "ed-fsa",
        "usda-fsa",
        "fema",
        "va",
        "irs",
        "uscis",
        "cms",
        "tsa",
    } <= prefixes
    assert len(agency_files()) == 10
