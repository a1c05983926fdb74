"""A studio database holding the repository's content, as after the first start."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import create_tables, session_scope
from bot.settings import REPO_ROOT
from bot.studio.content import import_tree
from bot.studio.models import STUDIO_TABLES


@pytest.fixture
def studio_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    create_tables(url, STUDIO_TABLES)
    with session_scope(url) as session:
        import_tree(session, REPO_ROOT)
    return url
