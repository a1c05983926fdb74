"""CMS: Medicare enrollment, as FHIR R4 Coverage resources (Blue Button 2.0 shape).

Blue Button serves a beneficiary's Patient and Coverage after an OAuth sign-in;
this mock takes the Medicare number (MBI), last name and date of birth instead,
and answers a searchset Bundle with the Patient and one Coverage per part.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from agencies.auth import ApiClientName
from agencies.common import ERRORS, disclose
from agencies.db import session
from agencies.faults import behaviour_of
from agencies.records import find_record

AGENCY = "cms"
router = APIRouter(prefix="/cms", tags=["Medicare"], dependencies=[ApiClientName])


class CoverageRequest(BaseModel):
    mbi: str = Field(..., regex=r"^\d[A-Z][A-Z0-9]\d[A-Z][A-Z0-9]\d[A-Z]{2}\d{2}$")
    lastName: str = Field(..., min_length=1, max_length=60)
    dateOfBirth: date


@router.post(
    "/medicare/v1/coverage",
    responses=ERRORS,
    summary="Medicare coverage (FHIR R4 Bundle of Patient and Coverage)",
)
def coverage(
    request: CoverageRequest, fault: str | None = Depends(behaviour_of(AGENCY))
) -> Response:
    with session() as db:
        record = find_record(
            db,
            AGENCY,
            request.mbi,
            last_name=request.lastName,
            date_of_birth=request.dateOfBirth.isoformat(),
        )
        return disclose(db, AGENCY, record, fault)
