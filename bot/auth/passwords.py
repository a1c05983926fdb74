"""Password hashing with argon2id (argon2-cffi's defaults, which track current advice)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
# Far above any passphrase, low enough that nobody makes us hash megabytes.
MAX_LENGTH = 1024

_hasher = PasswordHasher()


class WeakPasswordError(ValueError):
    """The password breaks the length rules; the message says which and how to fix it."""


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(
            f"The password is too short: use at least {MIN_LENGTH} characters "
            f"(it has {len(password)}). A few unrelated words make a good one."
        )
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError(f"The password is too long: use at most {MAX_LENGTH} characters.")


def hash_password(password: str) -> str:
    """An argon2id hash (salt and parameters included) of a password that passes the rules."""
    check_strength(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches; a corrupt or foreign hash counts as no match."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's defaults."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def dummy_hash() -> str:
    """A hash to verify against for unknown users, so they cost as much time as real ones."""
    return _hasher.hash("not a password of anyone: constant time for unknown users")
