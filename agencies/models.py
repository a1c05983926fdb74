"""The mock agencies' tables: demo records and the API clients allowed to call."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, String, UniqueConstraint

from agencies.db import Base


class Record(Base):
    """One demo case. `lookup_key` is the identifier the agency indexes cases by
    (a receipt number, a claim id, a last name); the other identity facts in
    `identity` must match too before anything is disclosed."""

    __tablename__ = "agency_records"
    __table_args__ = (UniqueConstraint("agency", "record_id"),)

    id = Column(Integer, primary_key=True)
    agency = Column(String(40), nullable=False)
    record_id = Column(String(80), nullable=False)
    lookup_key = Column(String(80), nullable=False, index=True)
    identity = Column(JSON, nullable=False)
    response = Column(JSON, nullable=False)


class ApiClient(Base):
    """A caller of the agency APIs; only a hash of its key is stored."""

    __tablename__ = "agency_api_clients"

    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False, unique=True)
    key_sha256 = Column(String(64), nullable=False, unique=True)
