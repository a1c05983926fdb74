"""SQLAlchemy engines and sessions for the product database (and the mock agencies' own).

SQLite is the embedded default, shared by several processes of the stack, so it
runs in WAL mode with a busy timeout; PostgreSQL needs nothing special.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Table, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from bot.settings import get_settings

CONNECT_TIMEOUT_SECONDS = 3


@cache
def engine_for(url: str) -> Engine:
    """One pooled engine per database URL and process."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # A database that does not answer is an outage to report, not a hang.
        connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args, future=True)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, future=True)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, future=True)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


@cache
def _session_factory(url: str) -> sessionmaker:
    return sessionmaker(bind=engine_for(url), expire_on_commit=False, future=True)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction: commits on success, rolls back on error."""
    session: Session = _session_factory(url or get_settings().product_database_url)()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


# Declarative base shared by every table of the product database (SQLAlchemy 1.4 style,
# because Rasa 3.6 pins SQLAlchemy < 2).
Base = declarative_base()


_tables_ready: set[tuple[str, str]] = set()


def create_tables(url: str, tables: list[Table]) -> None:
    """Create the missing `tables`, also when another process of the stack races to it
    (its CREATE wins between our check and ours: check again)."""
    for attempt in range(3):
        try:
            Base.metadata.create_all(engine_for(url), tables=tables)
            return
        except DBAPIError:
            if attempt == 2:
                raise


def ensure_tables(url: str, tables: list[Table]) -> None:
    """`create_tables` once per process: for code paths that run on every request."""
    key = (url, ",".join(sorted(t.name for t in tables)))
    if key not in _tables_ready:
        create_tables(url, tables)
        _tables_ready.add(key)
