"""Every answer of the web app carries the security headers; staff pages can never be
framed, the public side can be framed by the sites configured; no template needs an
inline script or style (the CSP would block it)."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.settings import REPO_ROOT, get_settings
from tests.bot.web.test_studio import HTML

TEMPLATES = REPO_ROOT / "bot" / "web" / "templates"
STAFF_PAGES = ["/studio", "/studio/inbox", "/studio/audit", "/agent", "/insights", "/login"]
PUBLIC_PAGES = ["/", "/life-experiences/retirement", "/static/widget/cx-navigator.js"]
OTHER_ANSWERS = [
    "/api/chat/config",
    "/health",
    "/no-such-page",
    "/static/studio/studio.js",
    "/studio/audit.csv",
]


def policy(response: httpx.Response) -> dict[str, str]:
    directives = response.headers["content-security-policy"].split(";")
    return {d.split()[0]: d.strip().partition(" ")[2] for d in directives if d.strip()}


def test_every_answer_carries_the_headers(staff_client: TestClient) -> None:
    for path in STAFF_PAGES + PUBLIC_PAGES + OTHER_ANSWERS:
        response = staff_client.get(path, headers=HTML)
        assert response.status_code < 500, path
        rules = policy(response)
        assert rules["script-src"] == "'self'", path
        assert rules["style-src"] == "'self'", path
        assert rules["object-src"] == "'none'", path
        assert "ws://localhost:5005" in rules["connect-src"], path  # the widget's socket
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"], path


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_can_never_be_framed(staff_client: TestClient, path: str) -> None:
    response = staff_client.get(path, headers=HTML)
    assert response.status_code == 200, path
    assert policy(response)["frame-ancestors"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"


def test_refusals_carry_the_headers_too(staff_client: TestClient) -> None:
    deep = b"[" * 100 + b"]" * 100
    response = staff_client.post(
        "/api/session", content=deep, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert policy(response)["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_the_public_side_is_framed_by_the_sites_configured(
    staff_client: TestClient, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    response = staff_client.get(path)
    assert response.status_code == 200, path
    assert policy(response)["frame-ancestors"] == "*"  # the default: any agency site
    assert "x-frame-options" not in response.headers
    monkeypatch.setenv("CX_FRAME_ANCESTORS", "https://www.ssa.gov https://www.irs.gov")
    get_settings.cache_clear()
    response = staff_client.get(path)
    assert policy(response)["frame-ancestors"] == "https://www.ssa.gov https://www.irs.gov"


def test_no_template_has_inline_script_style_or_handlers() -> None:
    inline = re.compile(
        r"<style|<script(?![^>]*\b(src=|type=\"application/json\"))|\son[a-z]+=|style=",
        re.IGNORECASE,
    )
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if inline.search(line)
    ]
    assert found == []
