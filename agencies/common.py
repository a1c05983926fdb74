"""What every mocked agency does alike: answer only on a full match, act out faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from agencies.models import Record
from agencies.records import another_person

NOT_FOUND = "No record matches the details given."
MALFORMED_BODY = '{"status": "In Pro'  # cut short, as a crashed proxy would


class ErrorBody(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or unknown API key"},
    404: {"model": ErrorBody, "description": "No record matches every identity fact given"},
    422: {"description": "The request is not well formed"},
    503: {"model": ErrorBody, "description": "Unavailable; retry after the Retry-After header"},
}


def disclose(
    db: Session,
    agency: str,
    record: Record | None,
    fault: str | None,
    body: Callable[[Record], dict[str, Any]] = lambda r: r.response,
) -> Response:
    """The record's API body, or the same 404 whether it is missing or did not match."""
    if fault == "wrong_person":
        record = another_person(db, agency, record.record_id if record else None)
    if record is None:
        raise HTTPException(404, detail=NOT_FOUND)
    if fault == "malformed":
        return Response(MALFORMED_BODY, media_type="application/json")
    return JSONResponse(body(record))
