"""CMS: Medicare enrollment from FHIR Coverage resources."""

from __future__ import annotations

from datetime import date
from typing import Any

import requests

from actions.clients.base import (
    AgencyClient,
    CaseStatus,
    Identity,
    Unusable,
    parse_date,
    require_same_person,
    spoken,
)


class MedicareClient(AgencyClient):
    lookup_id = "medicare"
    agency = "cms"

    def _request(self, identity: Identity, headers: dict[str, str]) -> requests.Response:
        return self.session.post(
            self.url("/cms/medicare/v1/coverage"),
            json={
                "mbi": identity["mbi"],
                "lastName": identity["last_name"],
                "dateOfBirth": str(identity["date_of_birth"]),
            },
            headers=headers,
            timeout=self.timeout,
        )

    def _read(self, body: Any, identity: Identity) -> CaseStatus:
        resources = [entry["resource"] for entry in body["entry"]]
        patient = next(r for r in resources if r["resourceType"] == "Patient")
        mbi = next(i["value"] for i in patient["identifier"] if i["system"].endswith("us-mbi"))
        require_same_person(
            [
                (mbi, identity["mbi"]),
                (patient["name"][0]["family"], identity["last_name"]),
                (patient["birthDate"], identity["date_of_birth"]),
            ]
        )
        parts = {
            r["type"]["text"]: parse_date(r["period"]["start"])
            for r in resources
            if r["resourceType"] == "Coverage" and r["status"] == "active"
        }
        if not parts:
            raise Unusable("no active coverage resource")
        today = date.today()
        if any(start and start > today for start in parts.values()):
            status = "pending"
        else:
            status = "enrolled" if "Part B" in parts else "part_a_only"
        facts = {
            part: (
                f"starts {spoken(start)}" if start and start > today else f"since {spoken(start)}"
            )
            for part, start in sorted(parts.items())
        }
        return CaseStatus(self.lookup_id, self.agency, status, None, facts)
