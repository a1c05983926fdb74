"""USDA Farm Service Agency: farm loan application status (no public API).

Identity: application number and last name. Statuses follow a direct loan
application: submitted, incomplete (with the missing documents), complete,
farm visit, approved or denied, closing.
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

AGENCY = "usda_fsa"
router = APIRouter(
    prefix="/usda-fsa", tags=["USDA Farm Service Agency"], dependencies=[ApiClientName]
)


class FarmLoanStatusRequest(BaseModel):
    applicationNumber: str = Field(..., regex=r"^FSA-\d{4}-\d{6}$")
    lastName: str = Field(..., min_length=1, max_length=60)


class ServiceCenter(BaseModel):
    name: str
    phone: str


class FarmLoanStatus(BaseModel):
    applicationNumber: str
    lastName: str
    loanType: str
    status: Literal[
        "SUBMITTED", "INCOMPLETE", "COMPLETE", "FARM_VISIT", "APPROVED", "DENIED", "CLOSING"
    ]
    submittedDate: date
    lastUpdated: date
    missingDocuments: list[str] = []
    serviceCenter: ServiceCenter


@router.post(
    "/farm-loans/v1/application-status",
    response_model=FarmLoanStatus,
    responses=ERRORS,
    summary="Status of a farm loan application",
)
def farm_loan_status(
    request: FarmLoanStatusRequest, fault: str | None = Depends(behaviour_of(AGENCY))
) -> Response:
    with session() as db:
        record = find_record(db, AGENCY, request.applicationNumber, last_name=request.lastName)
        return disclose(db, AGENCY, record, fault)
