"""Federal Student Aid: loan summary."""

from __future__ import annotations

from typing import Any

import requests

from actions.clients.base import (
    AgencyClient,
    CaseStatus,
    Identity,
    parse_date,
    require_same_person,
)


def dollars(amount: float) -> str:
    return f"${amount:,.2f}"


class StudentLoansClient(AgencyClient):
    lookup_id = "student_loans"
    agency = "ed_fsa"

    def _request(self, identity: Identity, headers: dict[str, str]) -> requests.Response:
        return self.session.post(
            self.url("/ed-fsa/loan-summary/v1"),
            json={
                "lastName": identity["last_name"],
                "dateOfBirth": str(identity["date_of_birth"]),
                "ssnLast4": identity["ssn_last4"],
            },
            headers=headers,
            timeout=self.timeout,
        )

    def _read(self, body: Any, identity: Identity) -> CaseStatus:
        borrower = body["borrower"]
        require_same_person(
            [
                (borrower["lastName"], identity["last_name"]),
                (borrower["dateOfBirth"], identity["date_of_birth"]),
            ]
        )
        servicer = body["servicer"]
        loans = body["loans"]
        facts = {
            "Loan servicer": f"{servicer['name']}, {servicer['phone']}",
            "Total balance": dollars(sum(float(loan["principalBalance"]) for loan in loans)),
            "Repayment plan": body["repaymentPlan"],
        }
        if body.get("pslf"):
            pslf = body["pslf"]
            facts["Public Service Loan Forgiveness payments"] = (
                f"{int(pslf['qualifyingPayments'])} of {int(pslf.get('required', 120))}"
            )
        items = [
            f"{loan['type']}: {dollars(float(loan['principalBalance']))} at {loan['interestRate']}%"
            for loan in loans
        ]
        return CaseStatus(
            self.lookup_id,
            self.agency,
            body["status"].lower(),
            parse_date(body["asOf"]),
            facts,
            items,
        )
