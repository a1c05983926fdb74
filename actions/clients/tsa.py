"""TSA: PreCheck membership status."""

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


class PreCheckClient(AgencyClient):
    lookup_id = "precheck"
    agency = "tsa"

    def _request(self, identity: Identity, headers: dict[str, str]) -> requests.Response:
        return self.session.post(
            self.url("/tsa/precheck/v1/status"),
            json={
                "knownTravelerNumber": identity["ktn"],
                "lastName": identity["last_name"],
                "dateOfBirth": str(identity["date_of_birth"]),
            },
            headers=headers,
            timeout=self.timeout,
        )

    def _read(self, body: Any, identity: Identity) -> CaseStatus:
        require_same_person(
            [
                (body["knownTravelerNumber"], identity["ktn"]),
                (body["lastName"], identity["last_name"]),
                (body["dateOfBirth"], identity["date_of_birth"]),
            ]
        )
        facts = {}
        if body.get("expirationDate"):
            label = "Expired" if body["status"] == "EXPIRED" else "Expires"
            facts[label] = spoken(parse_date(body["expirationDate"]))
        if body.get("applicationDate"):
            facts["Applied"] = spoken(parse_date(body["applicationDate"]))
        return CaseStatus(self.lookup_id, self.agency, body["status"].lower(), None, facts)
