"""VA: disability claim status (Lighthouse Benefits Claims shape)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

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
    "CLAIM_RECEIVED": "claim_received",
    "INITIAL_REVIEW": "initial_review",
    "EVIDENCE_GATHERING_REVIEW_DECISION": "evidence_gathering",
    "PREPARATION_FOR_NOTIFICATION": "preparation_for_notification",
    "COMPLETE": "complete",
}
# VA.gov shows a claim as "step n of 5".
STEP = {status: n for n, status in enumerate(STATUSES, start=1)}


class VaClaimClient(AgencyClient):
    lookup_id = "va_claim"
    agency = "va"

    def _request(self, identity: Identity, headers: dict[str, str]) -> requests.Response:
        return self.session.get(
            self.url(f"/va/services/claims/v2/claims/{identity['claim_id']}"),
            headers={
                **headers,
                # Header values are Latin-1 on the wire: "Nguyễn" would not even be sent.
                "X-VA-Last-Name": quote(identity["last_name"], safe=""),
                "X-VA-Birth-Date": str(identity["date_of_birth"]),
            },
            timeout=self.timeout,
        )

    def _read(self, body: Any, identity: Identity) -> CaseStatus:
        claim = body["data"]
        attributes = claim["attributes"]
        veteran = attributes["veteran"]
        require_same_person(
            [
                (claim["id"], identity["claim_id"]),
                (veteran["lastName"], identity["last_name"]),
                (veteran["birthDate"], identity["date_of_birth"]),
            ]
        )
        status = attributes["status"]
        filed = spoken(parse_date(attributes["claimDate"]))
        facts = {
            "Claim": f"{attributes['claimType']} claim filed {filed}",
            "Step": f"{STEP[status]} of {len(STEP)}",
        }
        items = [
            item["displayName"]
            for item in attributes.get("trackedItems") or []
            if item.get("status") == "NEEDED_FROM_YOU"
        ]
        return CaseStatus(
            self.lookup_id,
            self.agency,
            STATUSES[status],
            parse_date(attributes["claimPhaseDates"]["phaseChangeDate"]),
            facts,
            items,
        )
