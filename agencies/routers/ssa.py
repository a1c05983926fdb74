"""Social Security Administration: benefit application status (as my Social Security shows it).

Identity: the application's confirmation number, the last 4 of the SSN and the
date of birth. Shows the date received, documents requested, the processing
office and, once made, the decision.
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

AGENCY = "ssa"
router = APIRouter(
    prefix="/ssa", tags=["Social Security Administration"], dependencies=[ApiClientName]
)


class ApplicationStatusRequest(BaseModel):
    confirmationNumber: str = Field(..., regex=r"^[A-Z0-9]{4}-[A-Z0-9]{6}$")
    ssnLast4: str = Field(..., regex=r"^\d{4}$")
    dateOfBirth: date


class Office(BaseModel):
    name: str
    phone: str


class ApplicationStatus(BaseModel):
    confirmationNumber: str
    dateOfBirth: date
    applicationType: str
    status: Literal["RECEIVED", "DOCUMENTS_REQUESTED", "UNDER_REVIEW", "APPROVED", "DENIED"]
    receivedDate: date
    lastUpdated: date
    documentsRequested: list[str] = []
    processingOffice: Office
    decisionDate: date | None = None


@router.post(
    "/application-status/v1",
    response_model=ApplicationStatus,
    responses=ERRORS,
    summary="Status of a Social Security benefit application",
)
def application_status(
    request: ApplicationStatusRequest, fault: str | None = Depends(behaviour_of(AGENCY))
) -> Response:
    with session() as db:
        record = find_record(
            db,
            AGENCY,
            request.confirmationNumber,
            ssn_last4=request.ssnLast4,
            date_of_birth=request.dateOfBirth.isoformat(),
        )
        return disclose(db, AGENCY, record, fault)
