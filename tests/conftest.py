"""Fixtures shared by the whole suite: real services, free ports, throwaway databases."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from agencies.seed import seed_agencies
from bot.settings import get_settings
from tests.support.services import Service, start_uvicorn
from tests.support.stack import Stack, start_stack, stop_stack

# Where the services of these machines listen when the environment names none.
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """Settings are cached per process; tests that change env get a clean read."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A reachable Redis, or a skip that says why (never a silent pass)."""
    url = get_settings().redis_url or LOCAL_REDIS
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"integration test needs Redis: {url} unreachable ({error}); set REDIS_URL")
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session, dropped afterwards."""
    admin_url = get_settings().test_database_url or LOCAL_POSTGRES
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    name = f"cx_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # any driver error means: not reachable here
        pytest.skip(
            f"integration test needs PostgreSQL: {admin_url} unusable ({error}); "
            "set TEST_DATABASE_URL"
        )
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole stack started by `python -m bot.stack` (what `make run` runs) on free ports,
    with the embedded defaults: SQLite under a temporary var/, in-memory locks."""
    running = start_stack(
        tmp_path_factory.mktemp("stack-var"), remove_env=("REDIS_URL", "DATABASE_URL")
    )
    yield running
    stop_stack(running)


def pytest_report_header() -> list[str]:
    settings = get_settings()
    return [
        f"integration services: Redis {settings.redis_url or LOCAL_REDIS}, "
        f"PostgreSQL {settings.test_database_url or LOCAL_POSTGRES}"
    ]


AGENCY_KEY = "test-agency-key"
AGENCY_ADMIN = "test-admin-token"


@pytest.fixture(scope="session")
def agency_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The real mock agency service, seeded from data/agencies, on a free port."""
    var_dir = tmp_path_factory.mktemp("agencies-var")
    seed_agencies(f"sqlite:///{var_dir / 'agencies.db'}")
    service = start_uvicorn(
        "agencies.app:app", var_dir, AGENCY_API_KEY=AGENCY_KEY, AGENCIES_ADMIN_TOKEN=AGENCY_ADMIN
    )
    yield service
    service.stop()


@pytest.fixture
def agency_faults(agency_service: Service) -> Iterator[Callable[..., None]]:
    """Set a fault on an agency through the admin endpoint; everything is reset afterwards."""
    headers = {"Authorization": f"Bearer {AGENCY_ADMIN}"}

    def set_fault(agency: str, **change: object) -> None:
        response = requests.post(
            f"{agency_service.url}/admin/faults",
            json={"agency": agency, **change},
            headers=headers,
            timeout=5,
        )
        response.raise_for_status()

    yield set_fault
    requests.delete(f"{agency_service.url}/admin/faults", headers=headers, timeout=5)
