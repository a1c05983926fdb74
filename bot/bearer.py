"""`Authorization: Bearer <token>`: how one of our processes proves itself to another.

The Rasa server calls the action server with CX_ACTIONS_TOKEN, the web app calls the
agent console channel with RASA_API_TOKEN; both sides read and compare it here, the
comparison in constant time so a caller cannot learn the token a byte at a time.
"""

from __future__ import annotations

import hmac

HEADER = "Authorization"
SCHEME = "bearer "


def bearer_headers(token: str) -> dict[str, str]:
    return {HEADER: f"Bearer {token}"}


def bearer_token(header: str | None) -> str:
    """The token of an `Authorization` header value, "" when it holds none."""
    header = header or ""
    return header[len(SCHEME) :].strip() if header.lower().startswith(SCHEME) else ""


def holds_token(header: str | None, expected: str | None) -> bool:
    """Whether the header carries `expected`; never true while no token is configured."""
    given = bearer_token(header)
    return bool(expected) and bool(given) and hmac.compare_digest(given, expected or "")
