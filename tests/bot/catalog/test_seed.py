from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.catalog.models import Agency
from bot.catalog.queries import list_life_experiences
from bot.catalog.seed import CATALOG_DIR, SeedError, read_seed, seed_catalog
from bot.db import session_scope


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, target)
    return target


def _edit(directory: Path, name: str, change) -> None:  # type: ignore[no-untyped-def]
    path = directory / name
    content = yaml.safe_load(path.read_text())
    change(content)
    path.write_text(yaml.safe_dump(content))


def test_the_repository_seed_is_valid() -> None:
    seed = read_seed()
    assert seed.agencies and seed.services and seed.life_experiences


def test_a_plain_http_link_is_refused_naming_the_entry(catalog_copy: Path) -> None:
    _edit(
        catalog_copy,
        "services/ssa.yml",
        lambda c: c["services"][0].update(url="http://www.ssa.gov/retirement"),
    )
    with pytest.raises(SeedError, match="https") as refused:
        read_seed(catalog_copy)
    assert "services/ssa.yml: service 'ssa_retirement_benefits'" in str(refused.value)


def test_a_malformed_phone_number_is_refused(catalog_copy: Path) -> None:
    _edit(catalog_copy, "agencies.yml", lambda c: c["agencies"][0].update(phone="call us"))
    with pytest.raises(SeedError, match="phone number"):
        read_seed(catalog_copy)


def test_dangling_references_are_named(catalog_copy: Path) -> None:
    _edit(catalog_copy, "services/ssa.yml", lambda c: c["services"][0].update(agency="nasa"))
    with pytest.raises(SeedError, match="unknown agency 'nasa'"):
        read_seed(catalog_copy)


def test_seeding_fills_an_empty_catalog_once_and_keeps_edits(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert seed_catalog(url) is True
    with session_scope(url) as session:
        session.scalars(select(Agency)).first().phone = "800-000-0000"
    assert seed_catalog(url) is False, "a restart must not overwrite edited content"
    with session_scope(url) as session:
        assert session.scalars(select(Agency)).first().phone == "800-000-0000"
    assert seed_catalog(url, reset=True) is True
    with session_scope(url) as session:
        assert session.scalars(select(Agency)).first().phone != "800-000-0000"


@pytest.mark.integration
def test_catalog_on_postgres(postgres_url: str) -> None:
    assert seed_catalog(postgres_url) is True
    titles = [e.title for e in list_life_experiences(postgres_url)]
    assert "Approaching retirement" in titles
