"""One router per mocked agency; `ROUTERS` is what the app mounts."""

from __future__ import annotations

from agencies.routers import cms, ed_fsa, fema, irs, ssa, state, tsa, uscis, usda_fsa, va

ROUTERS = [
    state.router,
    ssa.router,
    ed_fsa.router,
    usda_fsa.router,
    fema.router,
    va.router,
    irs.router,
    uscis.router,
    cms.router,
    tsa.router,
]
