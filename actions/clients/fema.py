"""FEMA: disaster assistance application status, named by its OpenFEMA declaration."""

from __future__ import annotations

import logging
from typing import Any

import requests

from actions.clients.base import (
    AgencyClient,
    CaseStatus,
    Identity,
    parse_date,
    require_same_person,
    spoken,
)

log = logging.getLogger(__name__)


class FemaClient(AgencyClient):
    lookup_id = "fema"
    agency = "fema"

    def _request(self, identity: Identity, headers: dict[str, str]) -> requests.Response:
        return self.session.post(
            self.url("/fema/applicant-status/v1"),
            json={"registrationId": identity["registration_id"], "lastName": identity["last_name"]},
            headers=headers,
            timeout=self.timeout,
        )

    def _read(self, body: Any, identity: Identity) -> CaseStatus:
        require_same_person(
            [
                (body["registrationId"], identity["registration_id"]),
                (body["lastName"], identity["last_name"]),
            ]
        )
        facts = {}
        disaster = self._disaster_name(int(body["disasterNumber"]))
        if disaster:
            facts["Disaster"] = disaster
        if body.get("inspectionDate"):
            facts["Home inspection"] = spoken(parse_date(body["inspectionDate"]))
        if body.get("amountApproved") is not None:
            facts["Amount approved"] = f"${float(body['amountApproved']):,.2f}"
        return CaseStatus(
            self.lookup_id,
            self.agency,
            body["status"].lower(),
            parse_date(body["statusDate"]),
            facts,
            list(body.get("documentsNeeded") or []),
        )

    def _disaster_name(self, number: int) -> str | None:
        """The declaration's title from OpenFEMA; the status stands without it."""
        try:
            response = self.session.get(
                self.url("/fema/api/open/v2/DisasterDeclarationsSummaries"),
                params={"$filter": f"disasterNumber eq {number}", "$top": 1},
                headers={"X-Api-Key": self.api_key},
                timeout=self.timeout,
            )
            rows = response.json()["DisasterDeclarationsSummaries"] if response.ok else []
        except (requests.RequestException, ValueError, KeyError) as error:
            log.warning("OpenFEMA declaration %s not available: %s", number, error)
            return None
        if not rows:
            return None
        row = rows[0]
        return f"{row['declarationTitle'].title()} ({row['femaDeclarationString']})"
