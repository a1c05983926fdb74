"""The mock agency HTTP service (port 8001): one router per agency, OpenAPI at /docs."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from agencies.auth import require_admin
from agencies.content import agency_files
from agencies.faults import FAULTS, behaviours
from agencies.routers import ROUTERS
from agencies.seed import CLIENT_NAME, register_client
from bot.settings import get_settings

MAX_BODY_BYTES = 64 * 1024

app = FastAPI(
    title="CX Navigator mock agency APIs",
    description=(
        "Stand-ins for federal agency status APIs, shaped like the real ones. Every agency "
        "endpoint needs an `X-Api-Key` header. Misbehaviour on demand: the `X-Mock-Fault` "
        "header, or `/admin/faults` for a whole agency."
    ),
    version="1.0",
)
for router in ROUTERS:
    app.include_router(router)


@app.on_event("startup")
def _startup() -> None:
    for agency in agency_files():
        behaviours.set_normal(agency.agency, agency.latency_ms)
    key = get_settings().agency_api_key
    if key:
        register_client(CLIENT_NAME, key)


@app.middleware("http")
async def limit_body_size(request: Request, call_next):  # type: ignore[no-untyped-def]
    length = request.headers.get("content-length")
    if length and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        return JSONResponse({"detail": f"Body larger than {MAX_BODY_BYTES} bytes."}, 413)
    return await call_next(request)


@app.get("/health", tags=["service"])
def health() -> dict[str, str]:
    return {"status": "ok"}


class FaultChange(BaseModel):
    agency: str
    fault: str | None = Field(None, description=f"One of {', '.join(FAULTS)}, or null to clear")
    latency_ms: int | None = Field(None, ge=0, le=60_000)
    slow_seconds: float | None = Field(None, ge=0, le=120)


@app.get("/admin/faults", tags=["admin"], dependencies=[Depends(require_admin)])
def current_faults() -> dict[str, Any]:
    return {agency: vars(b) for agency, b in behaviours.all().items()}


@app.post("/admin/faults", tags=["admin"], dependencies=[Depends(require_admin)])
def change_faults(change: FaultChange) -> dict[str, Any]:
    known = {a.agency for a in agency_files()}
    if change.agency not in known:
        raise HTTPException(404, detail=f"Unknown agency {change.agency!r}; known: {sorted(known)}")
    if change.fault is not None and change.fault not in FAULTS:
        raise HTTPException(422, detail=f"Unknown fault {change.fault!r}; use one of {FAULTS}.")
    updates = change.dict(exclude_unset=True, exclude={"agency"})
    return vars(behaviours.change(change.agency, **updates))


@app.delete("/admin/faults", tags=["admin"], dependencies=[Depends(require_admin)])
def reset_faults() -> Response:
    behaviours.reset()
    return Response(status_code=204)
