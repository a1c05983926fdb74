"""Failed sign-ins counted per (username, address) and per address, atomically.

A sign-in first reserves a try under both keys, each by one UPDATE that only succeeds
below the limit, committed before the password is checked; a right password gives its
try back. Parallel tries therefore cannot pass the limit: the database serialises the
updates of one row and re-checks the condition on the row it waited for (PostgreSQL
re-evaluates an UPDATE's WHERE after a concurrent update; SQLite has one writer at a time).

Why per (username, address) and not per account: a lock on the account lets anyone who
knows a username lock its owner out from everywhere for as long as they keep guessing.
Counting per pair locks only the guesser's address; the real user elsewhere still signs
in. The per-address count bounds what one address may try across all usernames (and
spraying one password over many accounts). Unknown usernames are counted exactly like
real ones, so the lock itself tells nothing about which accounts exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.auth.models import SignInLimit
from bot.settings import get_settings

PAIR_LIMIT = 5  # wrong passwords for one username from one address
# Failed sign-ins from one address, whatever the usernames: CX_SIGN_IN_FAILURES_PER_ADDRESS.
WINDOW = timedelta(minutes=15)  # a count ends this long after its last failure
_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
_NO_SYNC = {"synchronize_session": False}


class Reservation(Enum):
    GRANTED = "granted"  # the password may be checked
    PAIR_LOCKED = "pair_locked"  # this username from this address: wait
    ADDRESS_LOCKED = "address_locked"  # this address: wait, whatever the username


def _key(*parts: str) -> str:
    """A hash, so neither the address nor what was typed as a username is stored."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Tries:
    """The two counts one sign-in attempt touches."""

    address_key: str
    pair_key: str
    account: str | None  # the account's username when the username exists

    @classmethod
    def of(cls, username: str, address: str, account: str | None) -> Tries:
        return cls(_key("address", address), _key("pair", username, address), account)


def _ensure_row(session: Session, key: str, account: str | None, now: datetime) -> None:
    dialect = session.get_bind().dialect.name
    insert = _INSERTS.get(dialect)
    if insert is None:
        raise RuntimeError(f"Sign-in limits need SQLite or PostgreSQL, not {dialect}.")
    row = {"key": key, "account": account, "failures": 0, "expires_at": now}
    session.execute(insert(SignInLimit).values(**row).on_conflict_do_nothing())


def _take(session: Session, key: str, limit: int, now: datetime) -> bool:
    """One try more under `key` if it stays within `limit`; False if the count is full."""
    expired = SignInLimit.expires_at <= now
    result = session.execute(
        update(SignInLimit)
        .where(SignInLimit.key == key, or_(SignInLimit.failures < limit, expired))
        .values(
            failures=case((expired, 1), else_=SignInLimit.failures + 1),
            expires_at=now + WINDOW,
        )
        .execution_options(**_NO_SYNC)
    )
    return result.rowcount == 1


def reserve(session: Session, tries: Tries, now: datetime) -> Reservation:
    """Count the attempt as a failure before its password is checked.

    Run it in its own transaction and commit before checking: the count must be
    visible to parallel attempts. A refusal from a locked pair still counts against
    the address (it is another guess from there).
    """
    _ensure_row(session, tries.address_key, None, now)
    _ensure_row(session, tries.pair_key, tries.account, now)
    if not _take(session, tries.address_key, get_settings().sign_in_failures_per_address, now):
        return Reservation.ADDRESS_LOCKED
    if not _take(session, tries.pair_key, PAIR_LIMIT, now):
        return Reservation.PAIR_LOCKED
    return Reservation.GRANTED


def give_back(session: Session, tries: Tries) -> None:
    """A right password: its reserved try was no failure. Rows are updated in the order
    `reserve` locks them (address, then pair), so the two never deadlock."""
    for key in (tries.address_key, tries.pair_key):
        session.execute(
            update(SignInLimit)
            .where(SignInLimit.key == key, SignInLimit.failures > 0)
            .values(failures=SignInLimit.failures - 1)
            .execution_options(**_NO_SYNC)
        )


def sweep(session: Session, now: datetime) -> None:
    """Forget counts that ended; in a transaction of its own (it touches other rows)."""
    session.execute(delete(SignInLimit).where(SignInLimit.expires_at <= now))


def lift(session: Session, account: str) -> None:
    """Forget every count on this account's username (a manager reset the password)."""
    session.execute(delete(SignInLimit).where(SignInLimit.account == account))


def locked_addresses(session: Session, account: str, now: datetime) -> int:
    """From how many addresses this account cannot sign in right now."""
    return session.scalar(
        select(func.count())
        .select_from(SignInLimit)
        .where(
            SignInLimit.account == account,
            SignInLimit.failures >= PAIR_LIMIT,
            SignInLimit.expires_at > now,
        )
    )
