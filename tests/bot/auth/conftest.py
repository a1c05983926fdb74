"""Staff auth on both product databases the stack supports."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import get_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> str:
    """The product database on a SQLite file, then on the real PostgreSQL (a throwaway
    database shared by the session: use unique names)."""
    url = (
        f"sqlite:///{tmp_path / 'cx.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CX_SESSION_SECRET", "test-session-secret")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("CX_COOKIE_SECURE", raising=False)
    get_settings.cache_clear()
    return url
