"""The web app on a throwaway var/ (SQLite product database), no Redis, a fixed secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.auth.accounts import create_account
from bot.catalog.queries import clear_cache
from bot.catalog.seed import seed_catalog
from bot.settings import get_settings
from bot.web.app import app
from tests.bot.web.test_studio import PASSWORD, sign_in


@pytest.fixture
def web_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CX_SESSION_SECRET", "test-session-secret")
    for name in ("DATABASE_URL", "REDIS_URL", "CX_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    clear_cache()
    return tmp_path


@pytest.fixture
def staff_client(web_env: Path) -> TestClient:
    """The web app with the catalog seeded, signed in as one account holding the studio,
    agent and insights roles."""
    seed_catalog()
    create_account("root", PASSWORD, ["editor", "agent", "manager"], "Root")
    client = TestClient(app)
    sign_in(client, "root")
    return client
