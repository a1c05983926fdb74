"""USCIS: case status by receipt number, as the USCIS Case Status API answers it.

`GET /case-status/{receiptNumber}` returns `{"case_status": {receiptNumber,
formType, submittedDate, modifiedDate, current_case_status_text_en/_es,
current_case_status_desc_en/_es, hist_case_status}}`. The receipt number is
the only identity the real API takes.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from agencies.auth import ApiClientName
from agencies.common import ERRORS, disclose
from agencies.db import session
from agencies.faults import behaviour_of
from agencies.records import find_record

AGENCY = "uscis"
router = APIRouter(prefix="/uscis", tags=["USCIS"], dependencies=[ApiClientName])


@router.get(
    "/case-status/{receiptNumber}",
    responses=ERRORS,
    summary="Current status and history of a case",
)
def case_status(
    receiptNumber: str = Path(..., regex=r"^[A-Z]{3}\d{10}$"),
    fault: str | None = Depends(behaviour_of(AGENCY)),
) -> Response:
    with session() as db:
        return disclose(db, AGENCY, find_record(db, AGENCY, receiptNumber), fault)
