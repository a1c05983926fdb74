"""Load the demo records into the mock agencies' database, and register API clients."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, func, select

from agencies.auth import key_hash
from agencies.content import RECORDS_DIR, agency_files
from agencies.db import Base, database_url
from agencies.models import ApiClient, Record
from bot.db import engine_for, session_scope
from bot.identity_match import comparable
from bot.settings import get_settings

CLIENT_NAME = "cx-navigator"


def register_client(name: str, key: str, url: str | None = None) -> None:
    """Make `key` the key of client `name` (a new key replaces the old one)."""
    url = url or database_url()
    Base.metadata.create_all(engine_for(url))
    with session_scope(url) as db:
        client = db.scalars(select(ApiClient).where(ApiClient.name == name)).first()
        if client is None:
            db.add(ApiClient(name=name, key_sha256=key_hash(key)))
        else:
            client.key_sha256 = key_hash(key)


def seed_agencies(
    url: str | None = None, reset: bool = False, directory: Path = RECORDS_DIR
) -> bool:
    """Create the tables and load the demo records when empty; True if it wrote."""
    url = url or database_url()
    Base.metadata.create_all(engine_for(url))
    files = agency_files(directory)
    with session_scope(url) as db:
        if not reset and db.scalar(select(func.count()).select_from(Record)):
            return False
        db.execute(delete(Record))
        for agency in files:
            for record in agency.records:
                db.add(
                    Record(
                        agency=agency.agency,
                        record_id=record.id,
                        lookup_key=comparable(record.identity[agency.key]),
                        identity=record.identity,
                        response=record.response,
                    )
                )
            for number, declaration in enumerate(agency.declarations):
                db.add(
                    Record(
                        agency="fema_declarations",
                        record_id=str(declaration.get("id", number)),
                        lookup_key=str(declaration.get("disasterNumber", number)),
                        identity={},
                        response=declaration,
                    )
                )
    key = get_settings().agency_api_key
    if key:
        register_client(CLIENT_NAME, key, url)
    return True


def main() -> None:
    print("agency records seeded" if seed_agencies() else "agency records already present")


if __name__ == "__main__":
    main()
