"""U.S. Department of State: passport application status (modelled on the public status page).

The real page asks for last name, date of birth and the last 4 of the SSN after
the Privacy Act notice is accepted; statuses: Not Available, In Process,
Approved, Mailed (with a tracking number).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response
from pydantic import BaseModel, Field

from agencies.auth import ApiClientName
from agencies.common import ERRORS, disclose
from agencies.db import session
from agencies.faults import behaviour_of
from agencies.records import find_record

AGENCY = "state"
router = APIRouter(prefix="/state", tags=["Department of State"], dependencies=[ApiClientName])


class PassportStatusRequest(BaseModel):
    lastName: str = Field(..., min_length=1, max_length=60)
    dateOfBirth: date
    ssnLast4: str = Field(..., regex=r"^\d{4}$")
    privacyActAccepted: bool = Field(
        ..., description="The Privacy Act notice was shown and accepted"
    )


class PassportStatus(BaseModel):
    lastName: str
    dateOfBirth: date
    status: Literal["Not Available", "In Process", "Approved", "Mailed"]
    applicationReceivedDate: date | None
    lastUpdated: date
    trackingNumber: str | None = None


@router.post(
    "/passport/v1/application-status",
    response_model=PassportStatus,
    responses=ERRORS,
    summary="Status of a passport application",
)
def passport_status(
    request: PassportStatusRequest, fault: str | None = Depends(behaviour_of(AGENCY))
) -> Response:
    if not request.privacyActAccepted:
        raise HTTPException(400, detail="The Privacy Act notice must be accepted first.")
    with session() as db:
        record = find_record(
            db,
            AGENCY,
            request.lastName,
            date_of_birth=request.dateOfBirth.isoformat(),
            ssn_last4=request.ssnLast4,
        )
        return disclose(db, AGENCY, record, fault)
