"""Each client against the real mock agency service (no HTTP mocking): the demo records
answer as the README promises, and every injected fault becomes an honest outcome."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from actions.clients import CLIENTS
from actions.clients.base import AgencyClient, ResultCache
from actions.clients.content import all_lookups
from agencies.content import agency_files
from bot.settings import Settings
from tests.conftest import AGENCY_KEY
from tests.support.demo_records import EXPECTED
from tests.support.services import Service

pytestmark = pytest.mark.integration

LOOKUP_OF_AGENCY = {content.agency: lookup for lookup, content in all_lookups().items()}
RECORDS = [(agency.agency, record) for agency in agency_files() for record in agency.records]


def client(service: Service, lookup: str, timeout: float = 3.0) -> AgencyClient:
    cache = ResultCache(Settings(redis_url=None, agency_cache_ttl_seconds=0), "s")
    return CLIENTS[lookup](service.url, AGENCY_KEY, timeout=timeout, result_cache=cache)


def test_every_demo_record_has_an_expected_status() -> None:
    assert {record.id for _, record in RECORDS} == set(EXPECTED)


@pytest.mark.parametrize("agency, record", RECORDS, ids=[r.id for _, r in RECORDS])
def test_demo_record_reports_its_status(agency_service: Service, agency: str, record) -> None:  # type: ignore[no-untyped-def]
    lookup = LOOKUP_OF_AGENCY[agency]
    result = client(agency_service, lookup).lookup(**record.identity)
    assert result.outcome == "found", result.reason
    assert result.status.status == EXPECTED[record.id]
    assert result.status.status in all_lookups()[lookup].statuses, "content explains it"


def test_the_contract_records_carry_their_details(agency_service: Service) -> None:
    loans = client(agency_service, "student_loans").lookup(
        last_name="Okafor", date_of_birth="1994-11-30", ssn_last4="7712"
    )
    assert loans.status.facts["Public Service Loan Forgiveness payments"] == "74 of 120"
    assert loans.status.facts["Loan servicer"].startswith("MOHELA")
    assert len(loans.status.items) == 2
    farm = client(agency_service, "farm_loan").lookup(
        application_number="FSA-2026-004417", last_name="Jensen"
    )
    assert farm.status.items == ["Balance sheet", "Tax returns for the last 3 years"]
    passport = client(agency_service, "passport").lookup(
        last_name="Rivera", date_of_birth="1985-03-14", ssn_last4="4821"
    )
    assert passport.status.facts["Application received"] == "October 2, 2026"
    fema = client(agency_service, "fema").lookup(registration_id="441234567", last_name="Thompson")
    assert fema.status.facts["Disaster"] == "Hurricane Delphine (DR-4901-FL)"


@pytest.mark.parametrize("lookup", sorted(CLIENTS))
def test_a_wrong_detail_is_no_match(agency_service: Service, lookup: str) -> None:
    agency = all_lookups()[lookup].agency
    record = next(r for a, r in RECORDS if a == agency)
    identity = dict(record.identity)
    wrong = {
        "date_of_birth": "1900-01-01",
        "last_name": "Wrongname",
        "refund_amount": "1",
        "receipt_number": "IOE0000000000",  # USCIS takes the receipt number alone
    }
    field = next(k for k in wrong if k in identity)
    identity[field] = wrong[field]
    assert client(agency_service, lookup).lookup(**identity).outcome == "no_match"


NGUYEN_BORN = {"date_of_birth": "1979-07-04"}


@pytest.mark.parametrize(
    "lookup, identity",
    [
        ("fema", {"registration_id": "441234568", "last_name": "Ramírez"}),
        ("fema", {"registration_id": "441234568", "last_name": "RAMIREZ"}),
        ("passport", {"last_name": "Rivéra", "date_of_birth": "1985-03-14", "ssn_last4": "4821"}),
        ("va_claim", {"claim_id": "600123456", "last_name": "Nguyễn", **NGUYEN_BORN}),
        ("va_claim", {"claim_id": "600123456", "last_name": "Ngu-yen", **NGUYEN_BORN}),
    ],
    ids=["accent", "capitals", "accent-key", "vietnamese-header", "hyphen-header"],
)
def test_a_name_spelled_with_accents_or_capitals_is_found(
    agency_service: Service, lookup: str, identity: dict
) -> None:
    """Issue 22: "Peña" for a record written "Pena" got "the system isn't answering"
    (the agency matched, the client then took the answer for someone else's)."""
    result = client(agency_service, lookup).lookup(**identity)
    assert result.outcome == "found", result.reason


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"fault": "slow", "slow_seconds": 2}, "timeout"),
        ({"fault": "error500"}, "http 500"),
        ({"fault": "unavailable503"}, "http 503"),
        ({"fault": "malformed"}, "malformed body"),
        ({"fault": "wrong_person"}, "record for another person"),
    ],
)
def test_injected_faults_become_honest_unavailable(
    agency_service: Service, agency_faults: Callable[..., None], change: dict, reason: str
) -> None:
    agency_faults("state", **change)
    result = client(agency_service, "passport", timeout=0.8).lookup(
        last_name="Rivera", date_of_birth="1985-03-14", ssn_last4="4821"
    )
    assert (result.outcome, result.status, result.reason) == ("unavailable", None, reason)


def test_a_dead_agency_is_unavailable_not_an_error() -> None:
    dead = Service(process=None, url="http://127.0.0.1:9", env={}, log_path=None)  # type: ignore[arg-type]
    result = client(dead, "uscis_case").lookup(receipt_number="IOE0912345678")
    assert result.outcome == "unavailable"
    assert result.reason.startswith("connection failed")
