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
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.auth import sign_in_limits
from bot.auth.models import LEGACY_ROLES, ROLES, TABLES, USERNAME_PATTERN, StaffAccount, utcnow
from bot.auth.passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from bot.auth.secret_file import read_or_create_secret
from bot.auth.session_store import close_account_sessions
from bot.auth.sign_in_limits import Reservation
from bot.db import ensure_tables, session_scope
from bot.settings import Settings, get_settings

LOCK_AFTER_FAILURES = sign_in_limits.PAIR_LIMIT
LOCK_MINUTES = int(sign_in_limits.WINDOW.total_seconds() // 60)
# One message for an unknown user, a disabled account, a wrong password and a
# username locked from this address, so the form does not tell which usernames exist.
WRONG_CREDENTIALS = (
    f"Wrong username or password. After {LOCK_AFTER_FAILURES} wrong tries, signing in "
    f"from this device waits {LOCK_MINUTES} minutes; a manager can reset your password."
)
# Said whatever the username: it tells nothing about accounts.
TOO_MANY_FROM_ADDRESS = (
    f"Too many failed sign-ins from your network. Wait {LOCK_MINUTES} minutes, then try again."
)
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
    """Sign-in refused; `message` is safe to show on the login form, `status` is for HTTP."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


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


def ensure_table(url: str | None = None) -> str:
    """Create the staff auth tables on first use (like the catalog seed does); returns the URL."""
    url = url or get_settings().product_database_url
    ensure_tables(url, TABLES)
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


def authenticate(
    username: str,
    password: str,
    *,
    address: str,
    url: str | None = None,
    now: datetime | None = None,
) -> StaffUser:
    """The account for these credentials, or LoginFailed with a message for the form.

    `address` is the client's: failures are limited per (username, address) and per
    address (bot.auth.sign_in_limits), reserved before the password is checked so
    parallel tries cannot pass the limit. Every refusal tied to a username costs one
    argon2 verification (against a dummy hash when there is nothing to check), so
    neither the answer nor its time tells unknown, disabled, locked and real users
    apart. `now` (naive UTC) is for tests of the lock's expiry.
    """
    url = ensure_table(url)
    now = now or utcnow()
    name = username.strip().lower()
    with session_scope(url) as session:
        account = _find(session, name) if USERNAME_PATTERN.fullmatch(name) else None
        known = account.username if account is not None else None
        checkable = account is not None and account.active
        password_hash = account.password_hash if checkable else None
    tries = sign_in_limits.Tries.of(name, address, known)
    with session_scope(url) as session:  # committed before the check: parallel tries see it
        reservation = sign_in_limits.reserve(session, tries, now)
    if reservation is Reservation.ADDRESS_LOCKED:
        raise LoginFailed(TOO_MANY_FROM_ADDRESS, status=429)
    judged = reservation is Reservation.GRANTED and password_hash is not None
    matches = verify_password(password_hash if judged else dummy_hash(), password)
    if not (judged and matches):
        raise LoginFailed(WRONG_CREDENTIALS)
    with session_scope(url) as session:
        sign_in_limits.give_back(session, tries)  # first: a write transaction from the start
        account = _find(session, name)
        if account is None or not account.active or account.password_hash != password_hash:
            raise LoginFailed(WRONG_CREDENTIALS)  # disabled or reset meanwhile
        if needs_rehash(account.password_hash):
            account.password_hash = hash_password(password)
        account.last_login_at = now
        user = _user(account)
    with session_scope(url) as session:
        sign_in_limits.sweep(session, now)
    return user


def set_password(username: str, password: str, url: str | None = None) -> None:
    """Replace the password; also lifts locks (this is how a manager unlocks someone)
    and ends the account's sessions (whoever knew the old password is signed out)."""
    url = ensure_table(url)
    password_hash = hash_password(password)
    with session_scope(url) as session:
        account = _existing(session, username)
        account.password_hash = password_hash
        sign_in_limits.lift(session, account.username)
        close_account_sessions(session, account.id)


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
        account = _existing(session, username)
        account.active = False
        close_account_sessions(session, account.id)


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


def list_accounts_with_locks(url: str | None = None) -> list[tuple[StaffAccount, int]]:
    """Every account, with from how many addresses it is locked right now."""
    url = ensure_table(url)
    now = utcnow()
    with session_scope(url) as session:
        accounts = session.scalars(select(StaffAccount).order_by(StaffAccount.username))
        return [(a, sign_in_limits.locked_addresses(session, a.username, now)) for a in accounts]


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


def _describe(account: StaffAccount, locked_from: int) -> str:
    if not account.active:
        status = "disabled"
    elif locked_from:
        status = f"locked from {locked_from} address{'es' if locked_from > 1 else ''}"
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
            for account, locked_from in list_accounts_with_locks():
                print(_describe(account, locked_from))
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main()
