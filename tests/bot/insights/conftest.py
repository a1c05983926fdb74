"""A throwaway product database per test (SQLite under tmp_path), no Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog.queries import clear_cache
from bot.settings import get_settings


@pytest.fixture
def product_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    clear_cache()
    return get_settings().product_database_url
