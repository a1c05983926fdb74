"""Catalog tables. Seeded from data/catalog/*.yml, edited later in the studio."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from bot.db import Base


class Agency(Base):
    __tablename__ = "catalog_agencies"

    id = Column(String(40), primary_key=True)
    name = Column(String(200), nullable=False)
    acronym = Column(String(20), nullable=False)
    url = Column(String(500), nullable=False)
    phone = Column(String(40), nullable=False)
    tty = Column(String(40))
    hours = Column(String(200))

    services = relationship("Service", back_populates="agency", order_by="Service.id")


class Service(Base):
    __tablename__ = "catalog_services"

    id = Column(String(80), primary_key=True)
    agency_id = Column(String(40), ForeignKey("catalog_agencies.id"), nullable=False, index=True)
    title = Column(String(200), nullable=False)
    summary = Column(Text, nullable=False)
    url = Column(String(500), nullable=False)
    phone = Column(String(40))  # falls back to the agency's number
    hours = Column(String(200))
    eligibility = Column(Text)
    documents = Column(JSON, nullable=False, default=list)
    steps = Column(JSON, nullable=False, default=list)
    keywords = Column(JSON, nullable=False, default=list)

    agency = relationship("Agency", back_populates="services")

    @property
    def contact_phone(self) -> str:
        return self.phone or self.agency.phone


class LifeExperience(Base):
    __tablename__ = "catalog_life_experiences"

    id = Column(String(40), primary_key=True)
    title = Column(String(200), nullable=False)
    summary = Column(Text, nullable=False)
    position = Column(Integer, nullable=False, default=0)
    # Slot names of the clarifying questions, asked in this order (wording lives
    # in the domain's utter_ask_<slot> responses, beside its agent variation).
    questions = Column(JSON, nullable=False, default=list)
    # Who a person is pointed to when they ask for a human; first offer's agency when unset.
    contact_agency_id = Column(String(40), ForeignKey("catalog_agencies.id"))

    contact_agency = relationship("Agency")
    offers = relationship(
        "Offer",
        back_populates="life_experience",
        order_by="Offer.priority",
        cascade="all, delete-orphan",
    )


class Offer(Base):
    """A service offered within a life experience, most urgent first, maybe conditional."""

    __tablename__ = "catalog_offers"

    life_experience_id = Column(
        String(40), ForeignKey("catalog_life_experiences.id"), primary_key=True
    )
    service_id = Column(String(80), ForeignKey("catalog_services.id"), primary_key=True)
    priority = Column(Integer, nullable=False, default=100)
    # {slot: value}: offered only when every listed answer matches; {} means always.
    when = Column(JSON, nullable=False, default=dict)

    life_experience = relationship("LifeExperience", back_populates="offers")
    service = relationship("Service")
