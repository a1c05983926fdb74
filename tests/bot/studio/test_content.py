"""Import of the project into the studio's tables and export back: lossless, file by file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.shared.importers.importer import TrainingDataImporter

from bot.db import create_tables, session_scope
from bot.settings import REPO_ROOT
from bot.studio.content import (
    ContentError,
    annotate,
    export_tree,
    import_tree,
    parse_examples,
    snapshot,
)
from bot.studio.models import STUDIO_TABLES, StudioExample, StudioIntent, StudioVariation


def _importer(root: Path) -> TrainingDataImporter:
    return TrainingDataImporter.load_from_dict(
        config_path=str(root / "config.yml"),
        domain_path=str(root / "bot/domain"),
        training_data_paths=[str(root / d) for d in ("data/nlu", "data/stories", "data/rules")],
    )


def _examples(root: Path) -> set[tuple]:
    data = _importer(root).get_nlu_data()
    return {
        (
            m.get("intent"),
            m.get("text"),
            tuple(
                sorted(
                    (e["start"], e["end"], e["entity"], e["value"]) for e in m.get("entities") or []
                )
            ),
        )
        for m in data.intent_examples
    }


def test_every_file_comes_back_with_the_same_content(studio_url: str, tmp_path: Path) -> None:
    with session_scope(studio_url) as session:
        files = export_tree(session, tmp_path / "out")
    originals = sorted(
        p.relative_to(REPO_ROOT).as_posix()
        for d in ("bot/domain", "data/nlu", "data/stories", "data/rules", "data/catalog")
        for p in (REPO_ROOT / d).rglob("*.yml")
    )
    assert sorted(set(files) - {"config.yml"}) == originals
    for rel in [*originals, "config.yml"]:
        original = yaml.safe_load((REPO_ROOT / rel).read_text(encoding="utf-8"))
        exported = yaml.safe_load((tmp_path / "out" / rel).read_text(encoding="utf-8"))
        assert exported == original, rel
    # Comments at the top of a file are kept for the people who read the YAML.
    assert "# Life experiences (ids are a contract" in files["data/catalog/life_experiences.yml"]


def test_rasa_reads_the_same_training_data_from_the_export(studio_url: str, tmp_path: Path) -> None:
    with session_scope(studio_url) as session:
        export_tree(session, tmp_path)
    assert _examples(tmp_path) == _examples(REPO_ROOT)
    original, exported = _importer(REPO_ROOT), _importer(tmp_path)
    assert exported.get_domain().as_dict() == original.get_domain().as_dict()
    stories = [s.as_story_string() for s in original.get_stories().story_steps]
    assert [s.as_story_string() for s in exported.get_stories().story_steps] == stories
    assert exported.get_config() == original.get_config()


def test_an_edit_reaches_the_exported_files(studio_url: str, tmp_path: Path) -> None:
    with session_scope(studio_url) as session:
        intent = session.query(StudioIntent).filter_by(name="status_passport").one()
        intent.examples.append(
            StudioExample(
                text="where is my ss passport",
                entities=[{"start": 12, "end": 14, "entity": "agency", "value": "ssa"}],
                position=len(intent.examples),
            )
        )
        greet = (
            session.query(StudioVariation)
            .join(StudioVariation.response)
            .filter_by(name="utter_greet")
            .first()
        )
        greet.text = "Hello from the studio."
    with session_scope(studio_url) as session:
        export_tree(session, tmp_path)
        items = snapshot(session)
    examples = _examples(tmp_path)
    assert ("status_passport", "where is my ss passport", ((12, 14, "agency", "ssa"),)) in examples
    domain = _importer(tmp_path).get_domain()
    assert domain.responses["utter_greet"][0]["text"] == "Hello from the studio."
    assert (
        'where is my [ss]{"entity": "agency", "value": "ssa"} passport'
        in items["intents"]["status_passport"]
    )


def test_examples_parse_to_text_and_spans_and_back() -> None:
    block = (
        "- status of my [social security](agency) claim\n"
        '- [ss]{"entity": "agency", "value": "ssa"}\n'
    )
    parsed = parse_examples(block, "test")
    assert parsed[0] == (
        "status of my social security claim",
        [{"start": 13, "end": 28, "value": "social security", "entity": "agency"}],
    )
    assert [annotate(t, e) for t, e in parsed] == [line[2:] for line in block.splitlines()]


def test_examples_in_another_shape_are_refused_with_the_place() -> None:
    with pytest.raises(ContentError, match=r"intent 'greet'.*does not start"):
        parse_examples("hello\n", "data/nlu/x.yml: intent 'greet'")


def test_examples_for_an_undeclared_intent_are_refused(tmp_path: Path) -> None:
    for rel in ("config.yml", "bot/domain/core.yml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text((REPO_ROOT / rel).read_text())
    (tmp_path / "data/nlu").mkdir(parents=True)
    (tmp_path / "data/nlu/x.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: nowhere\n    examples: |\n      - hi\n'
    )
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    create_tables(url, STUDIO_TABLES)
    refused = pytest.raises(ContentError, match="'nowhere' has examples but no domain entry")
    with refused, session_scope(url) as session:
        import_tree(session, tmp_path)
