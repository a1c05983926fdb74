"""The survey definition (data/survey.yml): which A-11 questions exist and which are asked."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, root_validator, validator

from bot.settings import REPO_ROOT

SURVEY_FILE = REPO_ROOT / "data" / "survey.yml"
TRUST = "trust"
COMMENT = "comment"


class Question(BaseModel):
    id: str = Field(..., regex=r"^[a-z_]+$")
    driver: str
    only_if_agent: bool = False

    class Config:
        extra = "forbid"

    @property
    def slot(self) -> str:
        return f"survey_{self.id}"


class Ask(BaseModel):
    drivers: list[str] = Field(default_factory=list, max_items=8)
    comment: bool = True

    class Config:
        extra = "forbid"


class SurveyDefinition(BaseModel):
    omb_control_number: str
    channel: str
    scale: dict[int, str]
    questions: list[Question]
    ask: Ask

    class Config:
        extra = "forbid"

    @validator("scale")
    def _five_points(cls, scale: dict[int, str]) -> dict[int, str]:
        if sorted(scale) != [1, 2, 3, 4, 5]:
            raise ValueError("the A-11 scale has exactly the points 1 to 5")
        return scale

    @root_validator(skip_on_failure=True)
    def _asked_questions_exist(cls, values: dict) -> dict:
        ids = [q.id for q in values["questions"]]
        if TRUST not in ids:
            raise ValueError("the A-11 trust question must be defined")
        unknown = [d for d in values["ask"].drivers if d not in ids or d == TRUST]
        if unknown:
            raise ValueError(f"ask.drivers names unknown questions: {unknown}")
        return values

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions if q.id == question_id)

    def asked(self, agent_took_part: bool = False) -> list[Question]:
        """The questions one conversation gets, in order (trust first)."""
        chosen = {TRUST, *self.ask.drivers}
        return [
            q
            for q in self.questions
            if q.id in chosen or (q.only_if_agent and agent_took_part)
            if agent_took_part or not q.only_if_agent
        ]


@cache
def load_survey(path: Path = SURVEY_FILE) -> SurveyDefinition:
    return SurveyDefinition.parse_obj(yaml.safe_load(path.read_text(encoding="utf-8")))
