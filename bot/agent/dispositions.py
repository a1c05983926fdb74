"""Disposition codes: content in data/agent/dispositions.yml, checked when read."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, validator

from bot.settings import REPO_ROOT

DISPOSITIONS_FILE = REPO_ROOT / "data" / "agent" / "dispositions.yml"


class Disposition(BaseModel):
    code: str
    label: str
    active: bool = True

    class Config:
        extra = "forbid"

    @validator("code")
    def _code_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", value):
            raise ValueError(f"{value!r}: a code is 2-40 lowercase letters, digits or _")
        return value


@cache
def load_dispositions(path: Path = DISPOSITIONS_FILE) -> tuple[Disposition, ...]:
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("dispositions")
    found = tuple(Disposition.parse_obj(entry) for entry in entries or [])
    codes = [d.code for d in found]
    if not found or len(set(codes)) != len(codes):
        raise ValueError(f"{path}: needs at least one disposition and unique codes")
    return found


def active_dispositions() -> list[Disposition]:
    return [d for d in load_dispositions() if d.active]


def is_known(code: str) -> bool:
    return any(d.code == code for d in load_dispositions())
