"""What the bot says about each lookup's statuses: content in data/lookups/<lookup>.yml."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from bot.settings import REPO_ROOT

LOOKUPS_DIR = REPO_ROOT / "data" / "lookups"


class StatusWords(BaseModel):
    text: str = Field(..., description="The status in plain words")
    next: str = Field(..., description="What happens next, and by when")
    action: str = Field(..., description="What the person can do now")

    class Config:
        extra = "forbid"


class LookupContent(BaseModel):
    lookup: str
    agency: str
    service: str = Field(..., description="Catalog service whose link and phone are offered")
    identified_by: list[str] = Field(
        ...,
        min_items=1,
        description="Form slots that name the case (never the guessed ones): misses are "
        "counted per case by these",
    )
    verification: list[str] = Field(
        ..., min_items=1, description="What an agent confirms before disclosing the case"
    )
    items_heading: str = "Details"
    statuses: dict[str, StatusWords]

    class Config:
        extra = "forbid"

    @property
    def intent(self) -> str:
        return f"status_{self.lookup}"


@cache
def all_lookups(directory: Path = LOOKUPS_DIR) -> dict[str, LookupContent]:
    found = {}
    for path in sorted(directory.glob("*.yml")):
        content = LookupContent.parse_obj(yaml.safe_load(path.read_text(encoding="utf-8")))
        if content.lookup != path.stem:
            raise ValueError(f"{path}: lookup {content.lookup!r} must match the file name")
        found[content.lookup] = content
    return found


def load_lookup(lookup: str) -> LookupContent:
    return all_lookups()[lookup]
