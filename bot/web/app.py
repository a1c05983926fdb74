"""FastAPI application serving the public page, the chat widget and the staff tools."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from bot.auth.sessions import StaffSessionMiddleware, install_template_globals
from bot.catalog.queries import get_life_experience, list_life_experiences
from bot.settings import REPO_ROOT, get_settings
from bot.web.agent import router as agent_router
from bot.web.chat import router as chat_router
from bot.web.handoff import router as handoff_router
from bot.web.insights import router as insights_router
from bot.web.login import router as login_router
from bot.web.request_limits import RequestLimitsMiddleware
from bot.web.security_headers import SecurityHeadersMiddleware
from bot.web.studio import router as studio_router
from bot.web.studio_api import _ConflictAnswer, conflict_handler
from bot.web.studio_api import router as studio_api_router

HERE = Path(__file__).parent
NODE_MODULES = REPO_ROOT / "node_modules"
VENDOR = {
    "/assets/uswds": NODE_MODULES / "@uswds" / "uswds" / "dist",
    "/assets/socket.io": NODE_MODULES / "socket.io-client" / "dist",
}

templates = Jinja2Templates(directory=str(HERE / "templates"))


def tel_href(phone: str) -> str:
    """A dialable link for a U.S. number as the catalog writes it ("1-800-772-1213")."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 10:
        digits = "1" + digits
    return f"tel:+{digits}" if len(digits) == 11 else f"tel:{digits}"


templates.env.filters["tel"] = tel_href
install_template_globals(templates.env)  # {{ csrf_field() }} in staff forms

app = FastAPI(title="CX Navigator web app", docs_url=None, redoc_url=None)
# The widget is embedded on other agencies' pages: its config, history and handoff calls
# are cross-origin requests without credentials (staff routes need the session cookie
# and the CSRF header, which no other origin can send).
app.add_middleware(RequestLimitsMiddleware)  # 413 / 400 for bodies no route can take
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"])
app.add_middleware(StaffSessionMiddleware)  # signed staff session cookie
app.add_middleware(SecurityHeadersMiddleware)  # outermost: on every answer, refusals too
app.include_router(chat_router)
app.include_router(login_router)
app.include_router(insights_router)
app.include_router(agent_router)
app.include_router(handoff_router)
app.include_router(studio_router)
app.include_router(studio_api_router)
app.add_exception_handler(_ConflictAnswer, conflict_handler)
app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
for prefix, directory in VENDOR.items():
    if not directory.is_dir():
        raise RuntimeError(
            f"{directory} is missing: the front-end packages are not installed. "
            "Run scripts/setup-web (make run does it)."
        )
    app.mount(prefix, StaticFiles(directory=str(directory)), name=prefix.strip("/"))


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(
        "home.html",
        {
            "request": request,
            "life_experiences": list_life_experiences(),
            "settings": get_settings(),
        },
    )


@app.get("/life-experiences/{experience_id}", response_class=HTMLResponse)
def life_experience(request: Request, experience_id: str) -> HTMLResponse:
    experience = get_life_experience(experience_id)
    if experience is None:
        raise HTTPException(404, detail="No such life experience.")
    return templates.TemplateResponse(
        "life_experience.html", {"request": request, "experience": experience}
    )
