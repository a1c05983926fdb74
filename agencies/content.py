"""The demo-records files (data/agencies/<agency>.yml), validated before use."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from bot.settings import REPO_ROOT

RECORDS_DIR = REPO_ROOT / "data" / "agencies"


class DemoRecord(BaseModel):
    id: str
    identity: dict[str, str]
    response: dict[str, Any]

    class Config:
        extra = "forbid"


class AgencyFile(BaseModel):
    agency: str
    key: str = Field(..., description="The identity fact the agency indexes its cases by")
    latency_ms: int = Field(100, ge=0, le=30_000)
    records: list[DemoRecord]
    declarations: list[dict[str, Any]] = []

    class Config:
        extra = "forbid"


@cache
def agency_files(directory: Path = RECORDS_DIR) -> tuple[AgencyFile, ...]:
    files = []
    for path in sorted(directory.glob("*.yml")):
        parsed = AgencyFile.parse_obj(yaml.safe_load(path.read_text(encoding="utf-8")))
        if parsed.agency != path.stem:
            raise ValueError(f"{path}: agency {parsed.agency!r} must match the file name")
        missing = [r.id for r in parsed.records if parsed.key not in r.identity]
        if missing:
            raise ValueError(f"{path}: records without their key {parsed.key!r}: {missing}")
        files.append(parsed)
    return tuple(files)
