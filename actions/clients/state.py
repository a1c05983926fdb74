"""U.S. Department of State: passport application status."""

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

STATUSES = {
    "Not Available": "not_available",
    "In Process": "in_process",
    "Approved": "approved",
    "Mailed": "mailed",
}


class PassportClient(AgencyClient):
    lookup_id = "passport"
    agency = "state"

    def _request(self, identity: Identity, headers: dict[str, str]) -> requests.Response:
        return self.session.post(
            self.url("/state/passport/v1/application-status"),
            json={
                "lastName": identity["last_name"],
                "dateOfBirth": str(identity["date_of_birth"]),
                "ssnLast4": identity["ssn_last4"],
                "privacyActAccepted": True,  # the bot shows the notice before asking
            },
            headers=headers,
            timeout=self.timeout,
        )

    def _read(self, body: Any, identity: Identity) -> CaseStatus:
        require_same_person(
            [
                (body["lastName"], identity["last_name"]),
                (body["dateOfBirth"], identity["date_of_birth"]),
            ]
        )
        facts = {}
        if body.get("applicationReceivedDate"):
            facts["Application received"] = spoken(parse_date(body["applicationReceivedDate"]))
        if body.get("trackingNumber"):
            facts["Tracking number"] = body["trackingNumber"]
        return CaseStatus(
            self.lookup_id,
            self.agency,
            STATUSES[body["status"]],
            parse_date(body["lastUpdated"]),
            facts,
        )
