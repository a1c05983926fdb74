"""The studio's content tables: the draft that content staff edit, and every published release.

The draft is one shared working copy (intents and their examples, responses and their
variations, catalog entries); each item carries a `revision` so two editors saving the
same item cannot overwrite each other silently. What the studio does not edit (slots,
forms, stories, rules, config) is kept per file as the file's own structure with markers
where the edited items go, so an export writes the project back file by file.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from bot.auth.models import utcnow
from bot.db import Base


def iso(moment: datetime | None) -> str | None:
    """A stored (naive UTC) time as people and JSON read it."""
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


PUBLIC = "public"  # the variation without a channel: web widget, REST, every channel
AGENT_CHANNEL = "agent_console"  # the agent script wording (connectors/agent_console.py)


class StudioFile(Base):
    """One file of the Rasa project: its leading comments and its structure with markers."""

    __tablename__ = "studio_files"

    path = Column(String(300), primary_key=True)  # relative to the project root
    kind = Column(String(20), nullable=False)  # config | domain | nlu | stories | rules | catalog
    header = Column(Text, nullable=False, default="")  # leading comment lines, verbatim
    body = Column(JSON, nullable=False)  # parsed YAML; edited items replaced by markers
    position = Column(Integer, nullable=False, default=0)


class StudioIntent(Base):
    __tablename__ = "studio_intents"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False, unique=True)
    nlu_file = Column(String(300), nullable=False)
    domain_file = Column(String(300), nullable=False)
    domain_entry = Column(JSON)  # the domain's mapping form ({name: {use_entities: ...}}) if any
    description = Column(Text, nullable=False, default="")
    revision = Column(Integer, nullable=False, default=1)
    updated_by = Column(String(64), nullable=False, default="import")
    updated_at = Column(DateTime, nullable=False, default=utcnow)

    examples = relationship(
        "StudioExample",
        back_populates="intent",
        order_by="StudioExample.position",
        cascade="all, delete-orphan",
    )


class StudioExample(Base):
    __tablename__ = "studio_examples"

    id = Column(Integer, primary_key=True)
    intent_id = Column(
        Integer, ForeignKey("studio_intents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text = Column(Text, nullable=False)  # plain text, annotations removed
    entities = Column(JSON, nullable=False, default=list)  # [{start, end, entity, value?, ...}]
    position = Column(Integer, nullable=False, default=0)
    added_by = Column(String(64), nullable=False, default="import")

    intent = relationship("StudioIntent", back_populates="examples")


class StudioResponse(Base):
    __tablename__ = "studio_responses"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False, unique=True)
    domain_file = Column(String(300), nullable=False)
    revision = Column(Integer, nullable=False, default=1)
    updated_by = Column(String(64), nullable=False, default="import")
    updated_at = Column(DateTime, nullable=False, default=utcnow)

    variations = relationship(
        "StudioVariation",
        back_populates="response",
        order_by="StudioVariation.position",
        cascade="all, delete-orphan",
    )


class StudioVariation(Base):
    __tablename__ = "studio_variations"

    id = Column(Integer, primary_key=True)
    response_id = Column(
        Integer, ForeignKey("studio_responses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False, default=0)
    audience = Column(String(40), nullable=False, default=PUBLIC)  # PUBLIC or a channel name
    language = Column(String(10), nullable=False, default="en")
    text = Column(Text)  # None for a variation without text (custom payload only)
    extra = Column(JSON, nullable=False, default=dict)  # buttons, custom, image, condition, ...

    response = relationship("StudioResponse", back_populates="variations")


class StudioCatalogEntry(Base):
    """An agency, service or life experience as its catalog file writes it."""

    __tablename__ = "studio_catalog"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id = Column(Integer, primary_key=True)
    kind = Column(String(20), nullable=False)  # agencies | services | life_experiences
    key = Column(String(80), nullable=False)
    source_file = Column(String(300), nullable=False)
    position = Column(Integer, nullable=False, default=0)
    data = Column(JSON, nullable=False)
    revision = Column(Integer, nullable=False, default=1)
    updated_by = Column(String(64), nullable=False, default="import")
    updated_at = Column(DateTime, nullable=False, default=utcnow)


class StudioWorkflow(Base):
    """The draft's review state (one row): editing -> in_review -> publishing -> editing."""

    __tablename__ = "studio_workflow"

    id = Column(Integer, primary_key=True)  # always 1
    state = Column(String(20), nullable=False, default="editing")
    submitted_by = Column(String(64))
    submitted_at = Column(DateTime)
    review_comment = Column(Text)  # the publisher's note when sending back
    reviewed_by = Column(String(64))
    revision = Column(Integer, nullable=False, default=1)


class StudioRelease(Base):
    """A published version: its content, its model and its test figures; never deleted."""

    __tablename__ = "studio_releases"

    id = Column(Integer, primary_key=True)  # the version number people see
    created_at = Column(DateTime, nullable=False, default=utcnow)
    created_by = Column(String(64), nullable=False)
    approved_by = Column(String(64))
    note = Column(Text, nullable=False, default="")
    items = Column(JSON, nullable=False)  # bot.studio.content.snapshot(): compared for diffs
    files = Column(JSON, nullable=False)  # path -> YAML text, what was trained
    content_hash = Column(String(40), nullable=False)
    model_file = Column(String(500))
    metrics = Column(JSON)  # bot.studio.pipeline.evaluate()
    live = Column(Integer, nullable=False, default=0)  # 1 for the release the bot serves


class StudioJob(Base):
    """A background training run (to publish, or to try the draft), with its progress."""

    __tablename__ = "studio_jobs"

    id = Column(Integer, primary_key=True)
    purpose = Column(String(20), nullable=False)  # publish | preview | rollback
    state = Column(String(20), nullable=False, default="queued")  # running | done | failed
    progress = Column(Integer, nullable=False, default=0)
    stage = Column(String(200), nullable=False, default="Waiting to start")
    error = Column(Text)
    started_by = Column(String(64), nullable=False)
    started_at = Column(DateTime, nullable=False, default=utcnow)
    finished_at = Column(DateTime)
    release_id = Column(Integer)
    model_file = Column(String(500))
    result = Column(JSON)  # metrics before and after, reasons refused
    seconds = Column(Float)


class StudioAudit(Base):
    """Who changed what, when, with the item before and after."""

    __tablename__ = "studio_audit"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    actor = Column(String(64), nullable=False)
    action = Column(String(40), nullable=False)
    item_type = Column(String(40), nullable=False)
    item_key = Column(String(200), nullable=False, default="")
    before = Column(JSON)
    after = Column(JSON)
    comment = Column(Text)


STUDIO_TABLES = [
    StudioFile.__table__,
    StudioIntent.__table__,
    StudioExample.__table__,
    StudioResponse.__table__,
    StudioVariation.__table__,
    StudioCatalogEntry.__table__,
    StudioWorkflow.__table__,
    StudioRelease.__table__,
    StudioJob.__table__,
    StudioAudit.__table__,
]
