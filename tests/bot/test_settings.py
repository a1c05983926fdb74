from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from bot.settings import REPO_ROOT, Settings, environment_table, get_settings


def test_embedded_defaults_need_no_services(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, _, _ in environment_table():
        monkeypatch.delenv(name, raising=False)
    settings = get_settings()
    assert settings.product_database_url == f"sqlite:///{REPO_ROOT / 'var' / 'cx.db'}"
    assert settings.tracker_database_url.endswith("var/tracker.db")
    assert settings.agencies_db_url.endswith("var/agencies.db")
    assert settings.redis_url is None
    assert (
        settings.rasa_port,
        settings.actions_port,
        settings.web_port,
        settings.agencies_port,
    ) == (5005, 5055, 8000, 8001)
    assert settings.action_endpoint == "http://localhost:5055/webhook"


def test_environment_overrides_and_derived_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://cx@db:5432/cx")
    monkeypatch.setenv("ACTIONS_PORT", "6055")
    monkeypatch.setenv("REDIS_URL", "")
    settings = get_settings()
    assert settings.product_database_url == "postgresql://cx@db:5432/cx"
    assert settings.tracker_database_url == "postgresql://cx@db:5432/cx"
    assert settings.action_endpoint == "http://localhost:6055/webhook"
    assert settings.redis_url is None, "an empty variable means unset"


def test_a_bad_redis_url_is_refused_with_an_example() -> None:
    with pytest.raises(ValidationError, match="redis://host:6379/0"):
        Settings(redis_url="localhost:6379")


def test_readme_documents_every_environment_variable() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    expected = {name for name, _, _ in environment_table()}
    assert expected <= documented, f"missing from README: {sorted(expected - documented)}"
