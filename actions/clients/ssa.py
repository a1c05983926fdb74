"""Social Security Administration: benefit application status."""

from __future__ import annotations

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


class SsaApplicationClient(AgencyClient):
    lookup_id = "ssa_application"
    agency = "ssa"

    def _request(self, identity: Identity, headers: dict[str, str]) -> requests.Response:
        return self.session.post(
            self.url("/ssa/application-status/v1"),
            json={
                "confirmationNumber": identity["confirmation_number"],
                "ssnLast4": identity["ssn_last4"],
                "dateOfBirth": str(identity["date_of_birth"]),
            },
            headers=headers,
            timeout=self.timeout,
        )

    def _read(self, body: Any, identity: Identity) -> CaseStatus:
        require_same_person(
            [
                (body["confirmationNumber"], identity["confirmation_number"]),
                (body["dateOfBirth"], identity["date_of_birth"]),
            ]
        )
        office = body["processingOffice"]
        facts = {
            "Application": body["applicationType"],
            "Received": spoken(parse_date(body["receivedDate"])),
            "Office": f"{office['name']}, {office['phone']}",
        }
        if body.get("decisionDate"):
            facts["Decision made"] = spoken(parse_date(body["decisionDate"]))
        return CaseStatus(
            self.lookup_id,
            self.agency,
            body["status"].lower(),
            parse_date(body["lastUpdated"]),
            facts,
            list(body.get("documentsRequested") or []),
        )
