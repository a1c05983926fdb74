"""Federal Student Aid: loan summary (no public API; modelled on the studentaid.gov dashboard).

Identity: last name, date of birth, last 4 of the SSN. Returns the servicer,
each loan with its balance, the repayment plan and PSLF qualifying payments.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from agencies.auth import ApiClientName
from agencies.common import ERRORS, disclose
from agencies.db import session
from agencies.faults import behaviour_of
from agencies.records import find_record

AGENCY = "ed_fsa"
router = APIRouter(prefix="/ed-fsa", tags=["Federal Student Aid"], dependencies=[ApiClientName])


class LoanSummaryRequest(BaseModel):
    lastName: str = Field(..., min_length=1, max_length=60)
    dateOfBirth: date
    ssnLast4: str = Field(..., regex=r"^\d{4}$")


class Borrower(BaseModel):
    lastName: str
    dateOfBirth: date


class Servicer(BaseModel):
    name: str
    phone: str
    url: str


class Loan(BaseModel):
    type: str
    principalBalance: float
    interestRate: float
    status: str


class Pslf(BaseModel):
    qualifyingPayments: int
    required: int = 120


class LoanSummary(BaseModel):
    borrower: Borrower
    status: Literal["IN_SCHOOL", "IN_GRACE", "IN_REPAYMENT", "DEFERMENT", "FORBEARANCE", "DEFAULT"]
    asOf: date
    servicer: Servicer
    loans: list[Loan]
    repaymentPlan: str
    pslf: Pslf | None = None


@router.post(
    "/loan-summary/v1",
    response_model=LoanSummary,
    responses=ERRORS,
    summary="Summary of a borrower's federal student loans",
)
def loan_summary(
    request: LoanSummaryRequest, fault: str | None = Depends(behaviour_of(AGENCY))
) -> Response:
    with session() as db:
        record = find_record(
            db,
            AGENCY,
            request.lastName,
            date_of_birth=request.dateOfBirth.isoformat(),
            ssn_last4=request.ssnLast4,
        )
        return disclose(db, AGENCY, record, fault)
