"""One small HTTP client per agency API, and the registry the lookup action uses.

Actions reach agencies only through these clients, over HTTP, exactly as they
would reach the real ones: pointing a client at a real agency is configuration
(AGENCIES_BASE_URL and the key), never an import of the mock.
"""

from __future__ import annotations

from functools import cache

from actions.clients.base import AgencyClient, pooled_session, shared_cache
from actions.clients.cms import MedicareClient
from actions.clients.ed_fsa import StudentLoansClient
from actions.clients.fema import FemaClient
from actions.clients.irs import RefundClient
from actions.clients.ssa import SsaApplicationClient
from actions.clients.state import PassportClient
from actions.clients.tsa import PreCheckClient
from actions.clients.uscis import UscisCaseClient
from actions.clients.usda_fsa import FarmLoanClient
from actions.clients.va import VaClaimClient
from bot.settings import get_settings

CLIENTS: dict[str, type[AgencyClient]] = {
    client.lookup_id: client
    for client in (
        PassportClient,
        SsaApplicationClient,
        StudentLoansClient,
        FarmLoanClient,
        FemaClient,
        VaClaimClient,
        RefundClient,
        UscisCaseClient,
        MedicareClient,
        PreCheckClient,
    )
}


@cache
def client_for(lookup: str) -> AgencyClient:
    """The shared client of a lookup: one pooled session per agency per process."""
    settings = get_settings()
    return CLIENTS[lookup](
        base_url=settings.agencies_url,
        api_key=settings.agency_api_key or "",
        timeout=settings.agency_timeout_seconds,
        result_cache=shared_cache(),
        session=pooled_session(),
    )
