"""USCIS: case status by receipt number (USCIS Case Status API shape)."""

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
    "Case Was Received": "received",
    "Case Is Being Actively Reviewed": "actively_reviewed",
    "Request for Evidence Was Sent": "evidence_requested",
    "Biometrics Appointment Was Scheduled": "biometrics_scheduled",
    "Interview Was Scheduled": "interview_scheduled",
    "Case Was Approved": "approved",
    "Card Was Mailed To Me": "card_mailed",
    "Case Was Denied": "denied",
}


class UscisCaseClient(AgencyClient):
    lookup_id = "uscis_case"
    agency = "uscis"

    def _request(self, identity: Identity, headers: dict[str, str]) -> requests.Response:
        return self.session.get(
            self.url(f"/uscis/case-status/{identity['receipt_number']}"),
            headers=headers,
            timeout=self.timeout,
        )

    def _read(self, body: Any, identity: Identity) -> CaseStatus:
        case = body["case_status"]
        require_same_person([(case["receiptNumber"], identity["receipt_number"])])
        return CaseStatus(
            self.lookup_id,
            self.agency,
            STATUSES[case["current_case_status_text_en"]],
            parse_date(case["modifiedDate"]),
            {
                "Form": case["formType"],
                "Filed": spoken(parse_date(case["submittedDate"])),
            },
        )
