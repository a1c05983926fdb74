"""IRS: refund status (modelled on Where's My Refund; no public API).

The real tool asks for the SSN or ITIN, filing status and the exact whole-dollar
refund; this mock takes the last 4 digits instead of the full number so no full
SSN ever crosses the chat. Statuses: Return Received, Refund Approved, Refund Sent.
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

AGENCY = "irs"
router = APIRouter(prefix="/irs", tags=["Internal Revenue Service"], dependencies=[ApiClientName])

FilingStatus = Literal["single", "married_joint", "married_separate", "head_of_household", "widow"]


class RefundStatusRequest(BaseModel):
    ssnLast4: str = Field(..., regex=r"^\d{4}$")
    filingStatus: FilingStatus
    refundAmount: int = Field(..., gt=0, lt=10_000_000)


class RefundStatus(BaseModel):
    ssnLast4: str
    filingStatus: FilingStatus
    refundAmount: int
    taxYear: int
    status: Literal["Return Received", "Refund Approved", "Refund Sent"]
    statusDate: date
    expectedDate: date | None = None
    method: Literal["direct deposit", "paper check"] | None = None


@router.post(
    "/refund-status/v1",
    response_model=RefundStatus,
    responses=ERRORS,
    summary="Status of a tax refund",
)
def refund_status(
    request: RefundStatusRequest, fault: str | None = Depends(behaviour_of(AGENCY))
) -> Response:
    with session() as db:
        record = find_record(
            db,
            AGENCY,
            request.ssnLast4,
            filing_status=request.filingStatus,
            refund_amount=str(request.refundAmount),
        )
        return disclose(db, AGENCY, record, fault)
