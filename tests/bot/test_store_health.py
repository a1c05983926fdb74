"""The store probe tells reachable stores from unreachable ones, on real services."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from bot.store_health import check_stores
from tests.support.stack import free_port


def test_the_embedded_sqlite_tracker_store_is_healthy(tmp_path: Path) -> None:
    health = check_stores(Settings(var_dir=tmp_path, redis_url=None, database_url=None))
    assert health.ok and health.checks == {"tracker_store": "ok"}


@pytest.mark.integration
def test_redis_stores_are_healthy_when_redis_answers(redis_url: str, tmp_path: Path) -> None:
    health = check_stores(Settings(var_dir=tmp_path, redis_url=redis_url))
    assert health.checks == {"tracker_store": "ok", "lock_store": "ok"}


def test_an_unreachable_redis_is_reported_not_hidden(tmp_path: Path) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    health = check_stores(Settings(var_dir=tmp_path, redis_url=dead))
    assert not health.ok
    assert health.checks["tracker_store"].startswith("unreachable: ")
    assert health.checks["lock_store"].startswith("unreachable: ")


def test_an_unreachable_database_is_reported_not_hidden(tmp_path: Path) -> None:
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    health = check_stores(Settings(var_dir=tmp_path, redis_url=None, database_url=dead))
    assert health.checks == {"tracker_store": "unreachable: OperationalError"}


@pytest.mark.integration
def test_a_postgres_tracker_store_is_healthy(postgres_url: str, tmp_path: Path) -> None:
    health = check_stores(Settings(var_dir=tmp_path, redis_url=None, database_url=postgres_url))
    assert health.ok
