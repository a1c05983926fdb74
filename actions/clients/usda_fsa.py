"""USDA Farm Service Agency: farm loan application status."""

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


class FarmLoanClient(AgencyClient):
    lookup_id = "farm_loan"
    agency = "usda_fsa"

    def _request(self, identity: Identity, headers: dict[str, str]) -> requests.Response:
        return self.session.post(
            self.url("/usda-fsa/farm-loans/v1/application-status"),
            json={
                "applicationNumber": identity["application_number"],
                "lastName": identity["last_name"],
            },
            headers=headers,
            timeout=self.timeout,
        )

    def _read(self, body: Any, identity: Identity) -> CaseStatus:
        require_same_person(
            [
                (body["applicationNumber"], identity["application_number"]),
                (body["lastName"], identity["last_name"]),
            ]
        )
        center = body["serviceCenter"]
        facts = {
            "Loan": body["loanType"],
            "Applied": spoken(parse_date(body["submittedDate"])),
            "Your service center": f"{center['name']}, {center['phone']}",
        }
        return CaseStatus(
            self.lookup_id,
            self.agency,
            body["status"].lower(),
            parse_date(body["lastUpdated"]),
            facts,
            list(body.get("missingDocuments") or []),
        )
