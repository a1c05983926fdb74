"""IRS: refund status."""

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
    "Return Received": "return_received",
    "Refund Approved": "refund_approved",
    "Refund Sent": "refund_sent",
}


class RefundClient(AgencyClient):
    lookup_id = "irs_refund"
    agency = "irs"

    def _request(self, identity: Identity, headers: dict[str, str]) -> requests.Response:
        return self.session.post(
            self.url("/irs/refund-status/v1"),
            json={
                "ssnLast4": identity["ssn_last4"],
                "filingStatus": identity["filing_status"],
                "refundAmount": int(identity["refund_amount"]),
            },
            headers=headers,
            timeout=self.timeout,
        )

    def _read(self, body: Any, identity: Identity) -> CaseStatus:
        require_same_person(
            [
                (body["ssnLast4"], identity["ssn_last4"]),
                (body["filingStatus"], identity["filing_status"]),
                (body["refundAmount"], identity["refund_amount"]),
            ]
        )
        facts = {
            "Tax year": str(body["taxYear"]),
            "Refund": f"${int(body['refundAmount']):,}",
        }
        if body.get("expectedDate"):
            facts["Expected by"] = spoken(parse_date(body["expectedDate"]))
        if body.get("method"):
            facts["Sent by"] = body["method"]
        return CaseStatus(
            self.lookup_id,
            self.agency,
            STATUSES[body["status"]],
            parse_date(body["statusDate"]),
            facts,
        )
