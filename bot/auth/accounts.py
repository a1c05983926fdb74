"""Staff accounts: create, authenticate (with lockout), change password, disable; and a CLI.

    python -m bot.auth.accounts create --username ana --role manager --role editor
    python -m bot.auth.accounts list
    python -m bot.auth.accounts set-password --username ana
    python -m bot.auth.accounts disable --username ana

Passwords come from a prompt, or from the first line of stdin with --password-stdin
(for scripts), never from the command line where `ps` and shell history would see them.
"""

from __future__ import annotations

import argparse
import getpass
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.auth.models import LEGACY_ROLES, ROLES, USERNAME_PATTERN, StaffAccount, utcnow
from bot.auth.passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from bot.auth.secret_file import read_or_create_secret
from bot.db import Base, engine_for, session_scope
from bot.settings import Settings, get_settings

LOCK_AFTER_FAILURES = 5
LOCK_MINUTES = 15
# One message for an unknown user, a disabled account and a wrong password, so the
# form does not tell an attacker which usernames exist.
WRONG_CREDENTIALS = "Wrong username or password."
DEMO_ACCOUNTS = (
    ("manager", "Demo Manager", ("manager", "editor")),
    ("agent", "Demo Agent", ("agent",)),
    ("editor", "Demo Editor", ("editor",)),
    ("publisher", "Demo Publisher", ("editor", "publisher")),
    ("admin", "Demo Admin", ("admin",)),
)


class AccountError(ValueError):
    """An account operation that cannot be done; the message says why."""


class LoginFailed(Exception):
    """Sign-in refused; `message` is safe to show on the login form."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StaffUser:
    """The signed-in account as routes see it: no hash, no counters."""

    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]

    def has_any_role(self, *roles: str) -> bool:
        return bool(set(roles) & set(self.roles))


def _user(account: StaffAccount) -> StaffUser:
    roles = tuple(dict.fromkeys(LEGACY_ROLES.get(r, r) for r in account.roles))
    return StaffUser(account.id, account.username, account.display_name, roles)


_tables_ready: set[str] = set()


def ensure_table(url: str | None = None) -> str:
    """Create staff_accounts on first use (like the catalog seed does); returns the URL."""
    url = url or get_settings().product_database_url
    if url not in _tables_ready:
        Base.metadata.create_all(engine_for(url), tables=[StaffAccount.__table__])
        _tables_ready.add(url)
    return url


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_PATTERN.fullmatch(name):
        raise AccountError(
            f"Invalid username {username!r}: use 3 to 64 characters, each a lowercase "
            "letter, a digit, '.', '_' or '-'."
        )
    return name


def check_roles(roles: Iterable[str]) -> list[str]:
    wanted = {role.strip().lower() for role in roles}
    unknown = sorted(wanted - set(ROLES))
    if unknown:
        raise AccountError(f"Unknown role {unknown[0]!r}: choose from {', '.join(ROLES)}.")
    if not wanted:
        raise AccountError(f"Give the account at least one role: {', '.join(ROLES)}.")
    return [role for role in ROLES if role in wanted]


def _find(session: Session, username: str) -> StaffAccount | None:
    return session.scalar(select(StaffAccount).where(StaffAccount.username == username))


def _existing(session: Session, username: str) -> StaffAccount:
    account = _find(session, normalise_username(username))
    if account is None:
        raise AccountError(f"No account named {username!r}.")
    return account


def create_account(
    username: str,
    password: str,
    roles: Iterable[str],
    display_name: str | None = None,
    url: str | None = None,
) -> StaffUser:
    """A new active account; AccountError or WeakPasswordError (both ValueError) say why not."""
    url = ensure_table(url)
    name = normalise_username(username)
    role_list = check_roles(roles)
    shown = (display_name or "").strip() or name
    if len(shown) > 200:
        raise AccountError("The display name is too long: use at most 200 characters.")
    password_hash = hash_password(password)
    taken = AccountError(f"An account named {name!r} exists already.")
    try:
        with session_scope(url) as session:
            if _find(session, name) is not None:
                raise taken
            account = StaffAccount(
                username=name,
                display_name=shown,
                password_hash=password_hash,
                roles=role_list,
                active=True,
                failed_logins=0,
            )
            session.add(account)
            session.flush()
            return _user(account)
    except IntegrityError:  # created by someone else between the check and the insert
        raise taken from None


def _locked_message(locked_until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((locked_until - now).total_seconds() / 60))
    return (
        f"Too many failed sign-ins: this account is locked. Try again in {minutes} "
        f"minute{'s' if minutes > 1 else ''}, or ask a manager to reset your password."
    )


def authenticate(
    username: str, password: str, url: str | None = None, now: datetime | None = None
) -> StaffUser:
    """The account for these credentials, or LoginFailed with a message for the form.

    Every refusal costs one argon2 verification, so response times do not tell
    unknown users from real ones. `now` (naive UTC) is for tests of the lock's expiry.
    """
    url = ensure_table(url)
    now = now or utcnow()
    name = username.strip().lower()
    failure: str | None = None
    with session_scope(url) as session:
        account = _find(session, name) if USERNAME_PATTERN.fullmatch(name) else None
        if account is None or not account.active:
            verify_password(dummy_hash(), password)
            failure = WRONG_CREDENTIALS
        elif account.locked_until is not None and account.locked_until > now:
            verify_password(dummy_hash(), password)
            failure = _locked_message(account.locked_until, now)
        elif not verify_password(account.password_hash, password):
            failure = _count_failure(session, account.id, now)
        else:
            if needs_rehash(account.password_hash):
                account.password_hash = hash_password(password)
            account.failed_logins = 0
            account.locked_until = None
            account.last_login_at = now
            user = _user(account)
    # Raised outside the transaction so the failure count is committed.
    if failure is not None:
        raise LoginFailed(failure)
    return user


def _count_failure(session: Session, account_id: int, now: datetime) -> str:
    """Add one failure atomically (parallel guesses all count); lock at the limit."""
    where = StaffAccount.id == account_id
    options = {"synchronize_session": False}
    session.execute(
        update(StaffAccount)
        .where(where)
        .values(failed_logins=StaffAccount.failed_logins + 1)
        .execution_options(**options)
    )
    failures = session.scalar(select(StaffAccount.failed_logins).where(where))
    if failures < LOCK_AFTER_FAILURES:
        return WRONG_CREDENTIALS
    locked_until = now + timedelta(minutes=LOCK_MINUTES)
    session.execute(
        update(StaffAccount)
        .where(where)
        .values(failed_logins=0, locked_until=locked_until)
        .execution_options(**options)
    )
    return _locked_message(locked_until, now)


def set_password(username: str, password: str, url: str | None = None) -> None:
    """Replace the password; also lifts a lock, so this is how a manager unlocks someone."""
    url = ensure_table(url)
    password_hash = hash_password(password)
    with session_scope(url) as session:
        account = _existing(session, username)
        account.password_hash = password_hash
        account.failed_logins = 0
        account.locked_until = None


def set_roles(
    username: str, roles: Iterable[str], url: str | None = None
) -> tuple[list[str], list[str]]:
    """Replace an account's roles (admin page); returns (before, after)."""
    url = ensure_table(url)
    role_list = check_roles(roles)
    with session_scope(url) as session:
        account = _existing(session, username)
        before = [LEGACY_ROLES.get(r, r) for r in account.roles]
        account.roles = role_list
    return before, role_list


def disable(username: str, url: str | None = None) -> None:
    """Refuse every future sign-in and end the account's open sessions (checked per request)."""
    url = ensure_table(url)
    with session_scope(url) as session:
        _existing(session, username).active = False


def get_active_account(account_id: int, url: str | None = None) -> StaffUser | None:
    url = ensure_table(url)
    with session_scope(url) as session:
        account = session.get(StaffAccount, account_id)
        return _user(account) if account is not None and account.active else None


def display_name(username: str, url: str | None = None) -> str:
    """How an account is named to others (an agent joining a chat); the username if
    the account is gone."""
    with session_scope(ensure_table(url)) as session:
        account = _find(session, username)
        return account.display_name if account is not None else username


def list_accounts(url: str | None = None) -> list[StaffAccount]:
    url = ensure_table(url)
    with session_scope(url) as session:
        return list(session.scalars(select(StaffAccount).order_by(StaffAccount.username)))


def demo_password_file(settings: Settings) -> Path:
    return settings.var_dir / "staff_demo_password"


def ensure_demo_accounts(settings: Settings) -> str | None:
    """Create the missing demo accounts (when CX_DEMO_ACCOUNTS is on) and return their password.

    The password is CX_STAFF_DEMO_PASSWORD, else one generated once into
    var/staff_demo_password. Existing accounts are left as they are. None when demo
    accounts are off, or when they exist but their generated password file was deleted.
    """
    if not settings.demo_accounts:
        return None
    url = ensure_table(settings.product_database_url)
    with session_scope(url) as session:
        missing = [demo for demo in DEMO_ACCOUNTS if _find(session, demo[0]) is None]
    path = demo_password_file(settings)
    if settings.staff_demo_password:
        password = settings.staff_demo_password
    elif missing or path.exists():
        password, _ = read_or_create_secret(path, nbytes=16)
    else:
        return None
    for username, display_name, roles in missing:
        try:
            create_account(username, password, roles, display_name, url=url)
        except ValueError as error:
            raise AccountError(f"demo account {username!r}: {error}") from error
    return password


# The command line.


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Same password again: ") != password:
        raise AccountError("The two passwords differ; nothing was changed.")
    return password


def _describe(account: StaffAccount, now: datetime) -> str:
    if not account.active:
        status = "disabled"
    elif account.locked_until and account.locked_until > now:
        status = f"locked until {account.locked_until:%Y-%m-%d %H:%M} UTC"
    else:
        status = "active"
    last = f"{account.last_login_at:%Y-%m-%d %H:%M} UTC" if account.last_login_at else "never"
    roles = ",".join(account.roles)
    return f"{account.username:<20} {account.display_name:<24} {roles:<22} {status:<28} {last}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bot.auth.accounts", description="Manage staff accounts."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an account")
    create.add_argument("--username", required=True)
    create.add_argument("--role", action="append", required=True, choices=ROLES, dest="roles")
    create.add_argument("--display-name")
    create.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    reset = commands.add_parser("set-password", help="change a password (also unlocks)")
    reset.add_argument("--username", required=True)
    reset.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    commands.add_parser("list", help="list every account")
    off = commands.add_parser("disable", help="disable an account and end its sessions")
    off.add_argument("--username", required=True)
    args = parser.parse_args(argv)

    try:
        if args.command == "create":
            normalise_username(args.username)  # before asking for a password
            user = create_account(
                args.username, _read_password(args.password_stdin), args.roles, args.display_name
            )
            print(f"created {user.username} ({', '.join(user.roles)})")
        elif args.command == "set-password":
            set_password(args.username, _read_password(args.password_stdin))
            print(f"password of {args.username} changed")
        elif args.command == "disable":
            disable(args.username)
            print(f"disabled {args.username}")
        else:
            now = utcnow()
            for account in list_accounts():
                print(_describe(account, now))
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main()
