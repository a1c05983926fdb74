"""Load the catalog seed (data/catalog/**/*.yml) into the product database.

Seeding fills an empty catalog only: once content staff edit the catalog in the
database, a restart must not put the seed back over their work. `--reset`
replaces the catalog with the seed on purpose.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.catalog.models import Agency, LifeExperience, Offer, Service
from bot.catalog.schema import AgencySeed, CatalogSeed, LifeExperienceSeed, ServiceSeed
from bot.db import Base, engine_for, session_scope
from bot.settings import REPO_ROOT, get_settings

log = logging.getLogger(__name__)
CATALOG_DIR = REPO_ROOT / "data" / "catalog"


class SeedError(Exception):
    """The seed files are invalid; the message names the file and the entry."""


def read_seed(directory: Path = CATALOG_DIR) -> CatalogSeed:
    """Every catalog file, each entry validated on its own so an error names file and entry."""
    models = {
        "agencies": AgencySeed,
        "services": ServiceSeed,
        "life_experiences": LifeExperienceSeed,
    }
    merged: dict[str, list] = {key: [] for key in models}
    files = sorted(directory.rglob("*.yml"))
    if not files:
        raise SeedError(f"no catalog files under {directory}")
    for path in files:
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise SeedError(f"{path}: not valid YAML: {error}") from error
        unknown = set(content) - set(models)
        if unknown:
            raise SeedError(f"{path}: unknown top-level keys {sorted(unknown)}")
        for key, entries in content.items():
            for entry in entries or []:
                try:
                    merged[key].append(models[key].parse_obj(entry))
                except ValidationError as error:
                    name = entry.get("id", "?") if isinstance(entry, dict) else "?"
                    raise SeedError(f"{path}: {key[:-1]} {name!r} is invalid:\n{error}") from error
    try:
        return CatalogSeed(**merged)
    except ValidationError as error:
        raise SeedError(f"catalog under {directory} is inconsistent:\n{error}") from error


def write_catalog(session: Session, seed: CatalogSeed) -> None:
    for table in (Offer, LifeExperience, Service, Agency):
        session.execute(delete(table))
    session.flush()
    session.add_all(Agency(**a.dict()) for a in seed.agencies)
    session.flush()
    session.add_all(
        Service(agency_id=s.agency, **s.dict(exclude={"agency"})) for s in seed.services
    )
    session.flush()
    for position, exp in enumerate(seed.life_experiences):
        session.add(
            LifeExperience(
                id=exp.id,
                title=exp.title,
                summary=exp.summary,
                questions=exp.questions,
                contact_agency_id=exp.contact,
                position=position,
                offers=[
                    Offer(service_id=o.service, priority=rank, when=o.when)
                    for rank, o in enumerate(exp.offers)
                ],
            )
        )


def seed_catalog(
    url: str | None = None, reset: bool = False, directory: Path = CATALOG_DIR
) -> bool:
    """Create the tables and load the seed when the catalog is empty; True if it wrote."""
    url = url or get_settings().product_database_url
    Base.metadata.create_all(engine_for(url))
    with session_scope(url) as session:
        if not reset and session.scalar(select(func.count()).select_from(LifeExperience)):
            return False
        seed = read_seed(directory)
        write_catalog(session, seed)
        log.info(
            "catalog seeded: %d agencies, %d services, %d life experiences",
            len(seed.agencies),
            len(seed.services),
            len(seed.life_experiences),
        )
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reset", action="store_true", help="replace the catalog with the seed")
    args = parser.parse_args()
    logging.basicConfig(level="INFO", format="%(message)s")
    try:
        wrote = seed_catalog(reset=args.reset)
    except SeedError as error:
        raise SystemExit(f"error: {error}") from None
    print("catalog seeded" if wrote else "catalog already present (use --reset to replace it)")


if __name__ == "__main__":
    main()
