"""FEMA: disaster assistance applicant status, and OpenFEMA disaster declarations.

OpenFEMA publishes declarations, not applicant status: the declarations endpoint
mirrors `GET /api/open/v2/DisasterDeclarationsSummaries` with its `$filter` /
`$top` parameters and `{metadata, DisasterDeclarationsSummaries}` envelope. The
applicant status is mocked with a registration id and last name.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from agencies.auth import ApiClientName
from agencies.common import ERRORS, disclose
from agencies.db import session
from agencies.faults import behaviour_of
from agencies.models import Record
from agencies.records import find_record

AGENCY = "fema"
DECLARATIONS = "fema_declarations"
router = APIRouter(prefix="/fema", tags=["FEMA"], dependencies=[ApiClientName])
FILTER_TERM = re.compile(r"^\s*(\w+)\s+eq\s+('?)([^']*)\2\s*$")


class ApplicantStatusRequest(BaseModel):
    registrationId: str = Field(..., regex=r"^\d{9}$")
    lastName: str = Field(..., min_length=1, max_length=60)


class ApplicantStatus(BaseModel):
    registrationId: str
    lastName: str
    disasterNumber: int
    status: Literal["REGISTERED", "INSPECTION_SCHEDULED", "UNDER_REVIEW", "APPROVED", "INELIGIBLE"]
    statusDate: date
    inspectionDate: date | None = None
    amountApproved: float | None = None
    documentsNeeded: list[str] = []


@router.post(
    "/applicant-status/v1",
    response_model=ApplicantStatus,
    responses=ERRORS,
    summary="Status of a disaster assistance application",
)
def applicant_status(
    request: ApplicantStatusRequest, fault: str | None = Depends(behaviour_of(AGENCY))
) -> Response:
    with session() as db:
        record = find_record(db, AGENCY, request.registrationId, last_name=request.lastName)
        return disclose(db, AGENCY, record, fault)


def _parse_filter(expression: str) -> dict[str, str]:
    """OpenFEMA's `field eq value [and ...]`, the subset the lookups need."""
    terms = {}
    for part in re.split(r"\s+and\s+", expression.strip()) if expression.strip() else []:
        match = FILTER_TERM.match(part)
        if not match:
            raise HTTPException(
                400, detail=f"Unsupported $filter term {part!r}; use: field eq value"
            )
        terms[match.group(1)] = match.group(3)
    return terms


@router.get(
    "/api/open/v2/DisasterDeclarationsSummaries",
    responses=ERRORS,
    summary="Disaster declarations (OpenFEMA shape)",
)
def declarations(
    filter_: str = Query("", alias="$filter", max_length=500),
    top: int = Query(1000, alias="$top", ge=1, le=10000),
    fault: str | None = Depends(behaviour_of(AGENCY)),
) -> dict[str, Any]:
    terms = _parse_filter(filter_)
    with session() as db:
        rows = [r.response for r in db.scalars(select(Record).where(Record.agency == DECLARATIONS))]
    matching = [row for row in rows if all(str(row.get(k, "")) == v for k, v in terms.items())][
        :top
    ]
    return {
        "metadata": {"skip": 0, "filter": filter_, "top": top, "count": len(matching)},
        "DisasterDeclarationsSummaries": matching,
    }
