"""VA: disability claim status, shaped like Lighthouse Benefits Claims (JSON:API).

The real API finds claims by the Veteran's ICN after an OAuth sign-in; this
mock takes the identity facts in headers instead (as the older Claims API did
with X-VA-* headers) and answers one claim: status (CLAIM_RECEIVED ... COMPLETE),
claimPhaseDates with the latest of 8 phases, and tracked items.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import Response

from agencies.auth import ApiClientName
from agencies.common import ERRORS, disclose
from agencies.db import session
from agencies.faults import behaviour_of
from agencies.records import find_record

AGENCY = "va"
router = APIRouter(prefix="/va", tags=["Veterans Affairs"], dependencies=[ApiClientName])


@router.get(
    "/services/claims/v2/claims/{claimId}",
    responses=ERRORS,
    summary="One disability claim (JSON:API document)",
)
def claim(
    claimId: str = Path(..., regex=r"^\d{6,12}$"),
    x_va_last_name: str = Header(
        ...,
        min_length=1,
        max_length=180,
        description="Percent-encoded UTF-8 (header values are Latin-1): Nguy%E1%BB%85n",
    ),
    x_va_birth_date: date = Header(...),
    fault: str | None = Depends(behaviour_of(AGENCY)),
) -> Response:
    with session() as db:
        record = find_record(
            db,
            AGENCY,
            claimId,
            last_name=unquote(x_va_last_name),
            date_of_birth=x_va_birth_date.isoformat(),
        )
        return disclose(db, AGENCY, record, fault)
