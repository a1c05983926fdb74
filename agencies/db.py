"""The mock agencies' own database, apart from the product database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, declarative_base

from bot.db import session_scope
from bot.settings import get_settings

Base = declarative_base()


def database_url() -> str:
    return get_settings().agencies_db_url


@contextmanager
def session() -> Iterator[Session]:
    with session_scope(database_url()) as db:
        yield db
