"""Secrets every service needs, never missing and never in the repository.

Each comes from its environment variable (production sets them all); on a
developer machine `make run` generates the missing ones once into var/ (mode
600) and hands them to every service it starts.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from bot.settings import Settings


def secret_file(settings: Settings, field: str) -> Path:
    return settings.var_dir / field


def resolve_secrets(settings: Settings) -> dict[str, str]:
    """{ENV_NAME: value} for every secret, generating the unset ones into var/."""
    resolved = {}
    for field, env_name in Settings.SECRETS.items():
        value = getattr(settings, field)
        if not value:
            path = secret_file(settings, field)
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(secrets.token_urlsafe(32))
                path.chmod(0o600)
                print(f"stack: generated {env_name} into {path}")
            value = path.read_text().strip()
        resolved[env_name] = value
    return resolved
