"""TSA: PreCheck membership status by Known Traveler Number (mocked; no public API)."""

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

AGENCY = "tsa"
router = APIRouter(
    prefix="/tsa", tags=["Transportation Security Administration"], dependencies=[ApiClientName]
)


class PreCheckRequest(BaseModel):
    knownTravelerNumber: str = Field(..., regex=r"^[A-Z0-9]{9}$")
    lastName: str = Field(..., min_length=1, max_length=60)
    dateOfBirth: date


class PreCheckStatus(BaseModel):
    knownTravelerNumber: str
    lastName: str
    dateOfBirth: date
    status: Literal["ACTIVE", "EXPIRED", "PENDING"]
    expirationDate: date | None = None
    applicationDate: date | None = None


@router.post(
    "/precheck/v1/status",
    response_model=PreCheckStatus,
    responses=ERRORS,
    summary="TSA PreCheck membership status",
)
def precheck_status(
    request: PreCheckRequest, fault: str | None = Depends(behaviour_of(AGENCY))
) -> Response:
    with session() as db:
        record = find_record(
            db,
            AGENCY,
            request.knownTravelerNumber,
            last_name=request.lastName,
            date_of_birth=request.dateOfBirth.isoformat(),
        )
        return disclose(db, AGENCY, record, fault)
