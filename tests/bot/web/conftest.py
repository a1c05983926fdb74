"""The web app on a throwaway var/ (SQLite product database), no Redis, a fixed secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog.queries import clear_cache
from bot.settings import get_settings


@pytest.fixture
def web_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CX_SESSION_SECRET", "test-session-secret")
    for name in ("DATABASE_URL", "REDIS_URL", "CX_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    clear_cache()
    return tmp_path
