"""Per-client API keys in the X-Api-Key header, as api.data.gov issues them."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Depends, Header, HTTPException
from sqlalchemy import select

from agencies.db import session
from agencies.models import ApiClient
from bot.settings import get_settings


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def require_api_key(x_api_key: str | None = Header(None, description="Your API key")) -> str:
    """The calling client's name; 401 with a JSON body for a missing or unknown key."""
    if not x_api_key:
        raise HTTPException(401, detail="Missing API key: send it in the X-Api-Key header.")
    with session() as db:
        client = db.scalars(
            select(ApiClient).where(ApiClient.key_sha256 == key_hash(x_api_key))
        ).first()
        if client is None:
            raise HTTPException(401, detail="Unknown API key.")
        return client.name


def require_admin(authorization: str | None = Header(None)) -> None:
    """The fault-injection endpoint takes `Authorization: Bearer <AGENCIES_ADMIN_TOKEN>`."""
    expected = get_settings().agencies_admin_token
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(given, expected):
        raise HTTPException(401, detail="Admin token required.")


ApiClientName = Depends(require_api_key)
