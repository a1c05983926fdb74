"""Import the Rasa project (config, domain, training data, catalog) into the studio's tables,
and export the tables back to a project tree that `rasa data validate` and `rasa train` read.

Examples are stored as plain text plus entity spans (so the editor can tag entities by
selecting text) and written back with Rasa's own annotation writer; everything the studio
does not edit stays in `StudioFile.body` with markers where edited items belong, so an
import followed by an export reproduces the same training data file by file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa.shared.nlu.training_data.entities_parser import (
    find_entities_in_training_example,
    replace_entities,
)
from rasa.shared.nlu.training_data.formats.readerwriter import TrainingDataWriter
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from bot.studio.models import (
    PUBLIC,
    StudioCatalogEntry,
    StudioExample,
    StudioFile,
    StudioIntent,
    StudioResponse,
    StudioVariation,
)

CONFIG = "config.yml"
DOMAIN_DIR = "bot/domain"
NLU_DIR = "data/nlu"
STORY_DIRS = {"data/stories": "stories", "data/rules": "rules"}
CATALOG_DIR = "data/catalog"
DEFAULT_NLU_FILE = "data/nlu/studio.yml"
LANGUAGE_SLOT = "language"  # a variation for another language is conditioned on this slot
MARKER = "__studio__"


class ContentError(ValueError):
    """The project files cannot be imported; the message names the file and the entry."""


# ---------------------------------------------------------------- reading


def split_header(text: str) -> str:
    """The comment lines at the top of a file (after `version:`), kept verbatim."""
    header = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or not stripped:
            header.append(line)
        elif stripped.startswith("version:"):
            continue
        else:
            break
    return "\n".join(header).strip("\n")


def parse_examples(block: Any, where: str) -> list[tuple[str, list[dict]]]:
    """Rasa's `examples: |` block as (plain text, entity spans)."""
    if not isinstance(block, str):
        raise ContentError(f"{where}: examples must be a `|` block of `- ` lines")
    examples = []
    for line in block.splitlines():
        line = line.strip()
        if not line:
            continue
        if not line.startswith("- "):
            raise ContentError(f"{where}: example line does not start with '- ': {line!r}")
        annotated = line[2:].strip()
        examples.append((replace_entities(annotated), find_entities_in_training_example(annotated)))
    return examples


def annotate(text: str, entities: list[dict]) -> str:
    """Plain text and spans back to Rasa's `[text](entity)` notation."""
    return TrainingDataWriter.generate_message({"text": text, "entities": entities})


def split_variation(variation: dict) -> tuple[str, str, str | None, dict]:
    """(audience, language, text, extra) of one response variation."""
    extra = dict(variation)
    audience = extra.pop("channel", None) or PUBLIC
    text = extra.pop("text", None)
    language = "en"
    condition = extra.get("condition")
    if isinstance(condition, list):
        kept = []
        for clause in condition:
            if isinstance(clause, dict) and clause.get("name") == LANGUAGE_SLOT:
                language = str(clause.get("value"))
            else:
                kept.append(clause)
        if kept:
            extra["condition"] = kept
        else:
            extra.pop("condition")
    return audience, language, text, extra


def join_variation(audience: str, language: str, text: str | None, extra: dict) -> dict:
    variation: dict[str, Any] = {}
    if audience != PUBLIC:
        variation["channel"] = audience
    if text is not None:
        variation["text"] = text
    variation.update({k: v for k, v in extra.items() if k != "condition"})
    condition = list(extra.get("condition") or [])
    if language != "en":
        condition.append({"type": "slot", "name": LANGUAGE_SLOT, "value": language})
    if condition:
        variation["condition"] = condition
    return variation


def _yaml_files(root: Path, directory: str) -> list[Path]:
    return sorted(p for p in (root / directory).rglob("*") if p.suffix in {".yml", ".yaml"})


def _load(path: Path, root: Path) -> tuple[str, Any, str]:
    rel = path.relative_to(root).as_posix()
    text = path.read_text(encoding="utf-8")
    try:
        return rel, yaml.safe_load(text) or {}, split_header(text)
    except yaml.YAMLError as error:
        raise ContentError(f"{rel}: not valid YAML: {error}") from error


def import_tree(session: Session, root: Path) -> dict[str, int]:
    """Replace the studio's draft with the project under `root`; returns counts."""
    for table in (
        StudioExample,
        StudioIntent,
        StudioVariation,
        StudioResponse,
        StudioCatalogEntry,
        StudioFile,
    ):
        session.execute(delete(table))
    session.flush()
    position = 0

    def add_file(rel: str, kind: str, body: Any, header: str) -> None:
        nonlocal position
        session.add(StudioFile(path=rel, kind=kind, header=header, body=body, position=position))
        position += 1

    rel, body, header = _load(root / CONFIG, root)
    add_file(rel, "config", body, header)

    intents: dict[str, StudioIntent] = {}
    for path in _yaml_files(root, DOMAIN_DIR):
        rel, body, header = _load(path, root)
        for entry in body.get("intents") or []:
            name = next(iter(entry)) if isinstance(entry, dict) else str(entry)
            if name in intents:
                raise ContentError(f"{rel}: intent {name!r} is declared twice")
            intents[name] = StudioIntent(
                name=name,
                domain_file=rel,
                nlu_file="",
                domain_entry=entry if isinstance(entry, dict) else None,
            )
            session.add(intents[name])
        if "intents" in body:
            body["intents"] = MARKER
        for name, variations in (body.get("responses") or {}).items():
            response = StudioResponse(name=name, domain_file=rel)
            for index, variation in enumerate(variations or []):
                audience, language, text, extra = split_variation(variation)
                response.variations.append(
                    StudioVariation(
                        position=index, audience=audience, language=language, text=text, extra=extra
                    )
                )
            session.add(response)
        if "responses" in body:
            body["responses"] = MARKER
        add_file(rel, "domain", body, header)

    examples = 0
    for path in _yaml_files(root, NLU_DIR):
        rel, body, header = _load(path, root)
        entries = []
        for entry in body.get("nlu") or []:
            if not (isinstance(entry, dict) and "intent" in entry):
                entries.append(entry)  # synonyms, regexes, lookup tables: kept as they are
                continue
            name = entry["intent"]
            intent = intents.get(name)
            if intent is None:
                raise ContentError(f"{rel}: intent {name!r} has examples but no domain entry")
            if set(entry) - {"intent", "examples"}:
                raise ContentError(f"{rel}: intent {name!r} has keys the studio does not keep")
            if not intent.nlu_file:
                intent.nlu_file = rel
                entries.append({MARKER: name})
            for text, spans in parse_examples(entry.get("examples"), f"{rel}: intent {name!r}"):
                intent.examples.append(
                    StudioExample(text=text, entities=spans, position=len(intent.examples))
                )
                examples += 1
        body["nlu"] = entries
        add_file(rel, "nlu", body, header)

    for directory, kind in STORY_DIRS.items():
        for path in _yaml_files(root, directory):
            rel, body, header = _load(path, root)
            add_file(rel, kind, body, header)

    catalog = 0
    for path in _yaml_files(root, CATALOG_DIR):
        rel, body, header = _load(path, root)
        for kind, entries in body.items():
            for index, data in enumerate(entries or []):
                if not isinstance(data, dict) or "id" not in data:
                    raise ContentError(f"{rel}: every {kind} entry needs an id")
                session.add(
                    StudioCatalogEntry(
                        kind=kind, key=str(data["id"]), source_file=rel, position=index, data=data
                    )
                )
                catalog += 1
            body[kind] = MARKER
        add_file(rel, "catalog", body, header)
    session.flush()
    return {
        "intents": len(intents),
        "examples": examples,
        "responses": session.query(StudioResponse).count(),
        "catalog entries": catalog,
        "files": position,
    }


# ---------------------------------------------------------------- writing


class _Literal(str):
    """A string written as a `|` block, like Rasa's own examples."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)  # lists indented under their key


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if isinstance(value, _Literal) or "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(_Literal, _represent_str)
_Dumper.add_representer(str, _represent_str)


def dump_yaml(body: Any, header: str = "") -> str:
    body = dict(body) if isinstance(body, dict) else body
    version = body.pop("version", None) if isinstance(body, dict) else None
    parts = []
    if version is not None:
        parts.append(yaml.dump({"version": version}, Dumper=_Dumper))
    if header:
        parts.append(header + "\n")
    if body:
        parts.append(
            yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**6)
        )
    return "".join(parts)


def _load_draft(session: Session) -> tuple[list, list, list, list]:
    files = session.scalars(select(StudioFile).order_by(StudioFile.position)).all()
    intents = session.scalars(
        select(StudioIntent).options(selectinload(StudioIntent.examples)).order_by(StudioIntent.id)
    ).all()
    responses = session.scalars(
        select(StudioResponse)
        .options(selectinload(StudioResponse.variations))
        .order_by(StudioResponse.id)
    ).all()
    catalog = session.scalars(
        select(StudioCatalogEntry).order_by(
            StudioCatalogEntry.source_file, StudioCatalogEntry.position, StudioCatalogEntry.id
        )
    ).all()
    return list(files), list(intents), list(responses), list(catalog)


def intent_examples_block(intent: StudioIntent) -> _Literal:
    return _Literal("".join(f"- {annotate(e.text, e.entities)}\n" for e in intent.examples))


def variation_dicts(response: StudioResponse) -> list[dict]:
    return [join_variation(v.audience, v.language, v.text, v.extra) for v in response.variations]


def render_files(session: Session) -> dict[str, str]:
    """The draft as the project's files: relative path -> YAML text."""
    files, intents, responses, catalog = _load_draft(session)
    by_domain: dict[str, list[StudioIntent]] = {}
    by_nlu: dict[str, list[StudioIntent]] = {}
    for intent in intents:
        by_domain.setdefault(intent.domain_file, []).append(intent)
        if intent.examples:
            by_nlu.setdefault(intent.nlu_file or DEFAULT_NLU_FILE, []).append(intent)
    responses_by_file: dict[str, list[StudioResponse]] = {}
    for response in responses:
        responses_by_file.setdefault(response.domain_file, []).append(response)
    catalog_by_file: dict[str, dict[str, list[dict]]] = {}
    for entry in catalog:
        catalog_by_file.setdefault(entry.source_file, {}).setdefault(entry.kind, []).append(
            entry.data
        )

    out: dict[str, str] = {}
    known = {f.path for f in files}
    for path in by_nlu:
        if path not in known:
            files.append(StudioFile(path=path, kind="nlu", header="", body={"version": "3.1"}))
    for file in files:
        body = dict(file.body)
        if file.kind == "domain":
            body = _render_domain(
                body, by_domain.get(file.path, []), responses_by_file.get(file.path, [])
            )
        elif file.kind == "nlu":
            body = _render_nlu(body, by_nlu.get(file.path, []))
        elif file.kind == "catalog":
            for kind, entries in catalog_by_file.get(file.path, {}).items():
                body[kind] = entries
            body = {k: ([] if v == MARKER else v) for k, v in body.items()}
        out[file.path] = dump_yaml(body, file.header)
    return out


def _render_domain(body: dict, intents: list[StudioIntent], responses: list) -> dict:
    if intents or body.get("intents") == MARKER:
        body["intents"] = [i.domain_entry or i.name for i in intents]
    if responses or body.get("responses") == MARKER:
        body["responses"] = {r.name: variation_dicts(r) for r in responses}
    return body


def _render_nlu(body: dict, intents: list[StudioIntent]) -> dict:
    pending = {i.name: i for i in intents}
    entries = []
    for entry in body.get("nlu") or []:
        if isinstance(entry, dict) and MARKER in entry:
            intent = pending.pop(entry[MARKER], None)
            if intent is not None:  # deleted or emptied intents leave no entry
                entries.append({"intent": intent.name, "examples": intent_examples_block(intent)})
        else:
            entries.append(entry)
    for intent in pending.values():  # new intents, or examples added to one that had none
        entries.append({"intent": intent.name, "examples": intent_examples_block(intent)})
    body["nlu"] = entries
    return body


def export_tree(session: Session, target: Path) -> dict[str, str]:
    """Write the draft as a Rasa project under `target` (which is emptied of old YAML)."""
    files = render_files(session)
    write_files(files, target)
    return files


def write_files(files: dict[str, str], target: Path) -> None:
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def snapshot(session: Session) -> dict[str, Any]:
    """The draft as comparable items: what a reviewer's diff is computed from."""
    _, intents, responses, catalog = _load_draft(session)
    return {
        "intents": {i.name: [annotate(e.text, e.entities) for e in i.examples] for i in intents},
        "responses": {r.name: variation_dicts(r) for r in responses},
        "catalog": {f"{c.kind}/{c.key}": c.data for c in catalog},
    }
