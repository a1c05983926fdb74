from __future__ import annotations

import shutil
from pathlib import Path

from bot.training import content_hash, training_inputs


def _copy_project(tmp_path: Path) -> Path:
    from bot.settings import REPO_ROOT

    for path in training_inputs(REPO_ROOT):
        target = tmp_path / path.relative_to(REPO_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    return tmp_path


def test_hash_is_stable_and_follows_every_training_input(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    first = content_hash(root)
    assert content_hash(root) == first

    for relative in ("config.yml", "bot/domain/core.yml", "data/nlu/conversation.yml"):
        path = root / relative
        original = path.read_text()
        path.write_text(original + "\n# edited\n")
        assert content_hash(root) != first, f"an edit to {relative} must retrain"
        path.write_text(original)
    assert content_hash(root) == first


def test_catalog_content_does_not_trigger_training(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    first = content_hash(root)
    (root / "data" / "catalog").mkdir(parents=True)
    (root / "data" / "catalog" / "agencies.yml").write_text("agencies: []\n")
    assert content_hash(root) == first
