"""Editing the draft: intents and examples, responses, catalog entries.

Every save names the revision it started from. If someone else saved the item since,
the save is refused with their version (`Conflict`), so nothing is overwritten silently.
Checks that make training data worse (an example that another intent already has, an
entity span outside the text) refuse the save; softer findings come back as warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.auth.models import utcnow
from bot.catalog.schema import AgencySeed, CatalogSeed, LifeExperienceSeed, ServiceSeed
from bot.studio import audit
from bot.studio.checks import (
    ExampleRef,
    SimilarityIndex,
    check_content,
    find_duplicate,
    normalize,
)
from bot.studio.content import annotate
from bot.studio.models import (
    AGENT_CHANNEL,
    PUBLIC,
    StudioCatalogEntry,
    StudioExample,
    StudioFile,
    StudioIntent,
    StudioResponse,
    StudioVariation,
    StudioWorkflow,
    iso,
)

CATALOG_SCHEMAS = {
    "agencies": AgencySeed,
    "services": ServiceSeed,
    "life_experiences": LifeExperienceSeed,
}
CATALOG_FILES = {
    "agencies": "data/catalog/agencies.yml",
    "life_experiences": "data/catalog/life_experiences.yml",
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


class StudioError(ValueError):
    """A save that cannot be done; the message says why, in plain words."""


class NotFound(StudioError):
    pass


class Conflict(Exception):
    """Someone else saved the item first: their version is in `current`."""

    def __init__(self, current: dict[str, Any]) -> None:
        who = current.get("updated_by", "someone")
        super().__init__(
            f"{who} saved this at {current.get('updated_at', '?')} while you were editing. "
            "Their version is shown; your changes are still in the form: redo them on top of "
            "theirs and save again."
        )
        self.current = current


@dataclass
class Saved:
    item: dict[str, Any]
    warnings: list[dict[str, Any]] = field(default_factory=list)


# ---------------------------------------------------------------- views


def _stamp(row: Any) -> dict[str, Any]:
    return {
        "revision": row.revision,
        "updated_by": row.updated_by,
        "updated_at": iso(row.updated_at),
    }


def intent_view(intent: StudioIntent) -> dict[str, Any]:
    return {
        "name": intent.name,
        "description": intent.description,
        "domain_file": intent.domain_file,
        "nlu_file": intent.nlu_file,
        "examples": [
            {"text": e.text, "entities": e.entities, "annotated": annotate(e.text, e.entities)}
            for e in intent.examples
        ],
        **_stamp(intent),
    }


def response_view(response: StudioResponse) -> dict[str, Any]:
    return {
        "name": response.name,
        "domain_file": response.domain_file,
        "variations": [
            {"audience": v.audience, "language": v.language, "text": v.text, "extra": v.extra}
            for v in response.variations
        ],
        **_stamp(response),
    }


def catalog_view(entry: StudioCatalogEntry) -> dict[str, Any]:
    return {"kind": entry.kind, "key": entry.key, "data": entry.data, **_stamp(entry)}


def matches(search: str, name: str, texts: list[str]) -> bool:
    """A list search: in the item's name or in any of its texts, case-insensitive."""
    needle = search.strip().casefold()
    return not needle or needle in name.casefold() or any(needle in t.casefold() for t in texts)


def list_intents(session: Session, search: str = "") -> list[dict[str, Any]]:
    rows = session.scalars(
        select(StudioIntent)
        .options(selectinload(StudioIntent.examples))
        .order_by(StudioIntent.name)
    ).all()
    return [
        {
            "name": intent.name,
            "examples": len(intent.examples),
            "updated_by": intent.updated_by,
            "updated_at": iso(intent.updated_at),
        }
        for intent in rows
        if matches(search, intent.name, [e.text for e in intent.examples])
    ]


def list_responses(session: Session, search: str = "") -> list[dict[str, Any]]:
    rows = session.scalars(
        select(StudioResponse)
        .options(selectinload(StudioResponse.variations))
        .order_by(StudioResponse.name)
    ).all()
    return [
        {
            "name": response.name,
            "public": next((v.text for v in response.variations if v.audience == PUBLIC), "") or "",
            "has_agent": any(v.audience == AGENT_CHANNEL for v in response.variations),
            "updated_by": response.updated_by,
        }
        for response in rows
        if matches(search, response.name, [v.text or "" for v in response.variations])
    ]


def list_catalog(session: Session, kind: str | None = None) -> list[dict[str, Any]]:
    query = select(StudioCatalogEntry).order_by(StudioCatalogEntry.kind, StudioCatalogEntry.key)
    if kind:
        query = query.where(StudioCatalogEntry.kind == kind)
    return [catalog_view(e) for e in session.scalars(query)]


def get_intent(session: Session, name: str) -> StudioIntent:
    intent = session.scalar(
        select(StudioIntent)
        .options(selectinload(StudioIntent.examples))
        .where(StudioIntent.name == name)
    )
    if intent is None:
        raise NotFound(f"There is no intent named {name!r}.")
    return intent


def get_response(session: Session, name: str) -> StudioResponse:
    response = session.scalar(
        select(StudioResponse)
        .options(selectinload(StudioResponse.variations))
        .where(StudioResponse.name == name)
    )
    if response is None:
        raise NotFound(f"There is no response named {name!r}.")
    return response


def get_catalog_entry(session: Session, kind: str, key: str) -> StudioCatalogEntry:
    entry = session.scalar(
        select(StudioCatalogEntry).where(
            StudioCatalogEntry.kind == kind, StudioCatalogEntry.key == key
        )
    )
    if entry is None:
        raise NotFound(f"There is no {kind.rstrip('s').replace('_', ' ')} with id {key!r}.")
    return entry


def findings(session: Session, minimum_examples: int) -> list[Any]:
    """Whole-draft checks: too few examples, duplicates across intents, missing agent wording.

    Intents without any example (button payloads such as the survey answers) are not
    trained from text, so they are not flagged for having too few."""
    examples: dict[str, list[str]] = {}
    for name, text in session.execute(
        select(StudioIntent.name, StudioExample.text).join(StudioExample.intent)
    ):
        examples.setdefault(name, []).append(text)
    responses: dict[str, list[dict[str, Any]]] = {}
    for name, audience, text in session.execute(
        select(StudioResponse.name, StudioVariation.audience, StudioVariation.text).join(
            StudioVariation.response
        )
    ):
        variation = {"text": text or ""}
        if audience != PUBLIC:
            variation["channel"] = audience
        responses.setdefault(name, []).append(variation)
    return check_content(examples, responses, minimum_examples)


# ---------------------------------------------------------------- guards


def workflow(session: Session) -> StudioWorkflow:
    row = session.get(StudioWorkflow, 1)
    if row is None:
        row = StudioWorkflow(id=1, state="editing")
        session.add(row)
        session.flush()
    return row


def require_editable(session: Session) -> None:
    state = workflow(session).state
    if state == "in_review":
        raise StudioError(
            "The draft is waiting for review, so it cannot change under the reviewer. "
            "A publisher can send it back for editing."
        )
    if state == "publishing":
        raise StudioError("The draft is being published; edit again when the run has finished.")


def check_revision(row: Any, base_revision: int | None, view: dict[str, Any]) -> None:
    """Refuse a save started from an older revision (checked first, before any other check)."""
    if base_revision is not None and base_revision != row.revision:
        raise Conflict(view)


def _claim(row: Any, base_revision: int | None, view: dict[str, Any], actor: str) -> None:
    check_revision(row, base_revision, view)
    row.revision += 1
    row.updated_by = actor
    row.updated_at = utcnow()


# ---------------------------------------------------------------- intents


def entity_names(session: Session) -> set[str]:
    names: set[str] = set()
    for body in session.scalars(select(StudioFile.body).where(StudioFile.kind == "domain")):
        for entry in body.get("entities") or []:
            names.add(next(iter(entry)) if isinstance(entry, dict) else str(entry))
    return names


def all_examples(session: Session, except_intent: str | None = None) -> list[ExampleRef]:
    rows = session.execute(
        select(StudioIntent.name, StudioExample.text).join(StudioExample.intent)
    ).all()
    return [ExampleRef(name, text) for name, text in rows if name != except_intent]


def _clean_examples(
    raw: list[dict[str, Any]], entity_names: set[str]
) -> list[tuple[str, list[dict]]]:
    cleaned, seen = [], {}
    for index, item in enumerate(raw, start=1):
        text = " ".join(str(item.get("text", "")).split())
        if not text:
            raise StudioError(f"Example {index} is empty: type a phrase or remove the line.")
        if len(text) > 500:
            raise StudioError(f"Example {index} is longer than 500 characters.")
        key = normalize(text)
        if key in seen:
            raise StudioError(f"Example {index} repeats example {seen[key]}: {text!r}.")
        seen[key] = index
        spans = []
        for span in item.get("entities") or []:
            try:
                start, end, entity = int(span["start"]), int(span["end"]), str(span["entity"])
            except (KeyError, TypeError, ValueError):
                raise StudioError(
                    f"Example {index} has an entity without start, end and name."
                ) from None
            if not 0 <= start < end <= len(text):
                raise StudioError(f"Example {index}: the tagged text is outside the example.")
            if entity not in entity_names:
                raise StudioError(
                    f"Example {index}: {entity!r} is not an entity of the assistant "
                    f"(known: {', '.join(sorted(entity_names))})."
                )
            clean = {"start": start, "end": end, "entity": entity, "value": text[start:end]}
            if span.get("value") and span["value"] != text[start:end]:
                clean["value"] = str(span["value"])  # a synonym: maps to the catalog id
            spans.append(clean)
        cleaned.append((text, sorted(spans, key=lambda s: s["start"])))
    return cleaned


def _refuse_duplicates(session: Session, intent: str, texts: list[str]) -> list[dict[str, Any]]:
    others = all_examples(session, except_intent=intent)
    warnings: list[dict[str, Any]] = []
    index = SimilarityIndex(others)
    for text in texts:
        duplicate = find_duplicate(text, intent, others)
        if duplicate is not None:
            raise StudioError(
                f"{text!r} is already an example of the intent {duplicate.intent!r}. "
                "One phrase can teach only one intent: remove it there first, or move it."
            )
        similar = index.similar(text, intent)
        if similar:
            warnings.append(
                {
                    "code": "similar_example",
                    "example": text,
                    "message": f"{text!r} is very close to examples of other intents; "
                    "the assistant may confuse them.",
                    "closest": [
                        {"intent": ref.intent, "text": ref.text, "score": round(score, 2)}
                        for ref, score in similar
                    ],
                }
            )
    return warnings


def save_examples(
    session: Session,
    name: str,
    examples: list[dict[str, Any]],
    base_revision: int | None,
    actor: str,
) -> Saved:
    """Replace an intent's examples (the editor adds, edits, reorders and removes at once)."""
    require_editable(session)
    intent = get_intent(session, name)
    before = intent_view(intent)
    check_revision(intent, base_revision, before)
    cleaned = _clean_examples(examples, entity_names(session))
    old = {normalize(e.text) for e in intent.examples}
    new_texts = [t for t, _ in cleaned if normalize(t) not in old]
    warnings = _refuse_duplicates(session, name, [t for t, _ in cleaned])
    _claim(intent, base_revision, before, actor)
    intent.examples.clear()
    session.flush()
    for position, (text, spans) in enumerate(cleaned):
        intent.examples.append(
            StudioExample(text=text, entities=spans, position=position, added_by=actor)
        )
    session.flush()
    after = intent_view(intent)
    audit.record(
        session,
        actor,
        "edit_examples",
        "intent",
        name,
        before["examples"],
        after["examples"],
        comment=f"{len(new_texts)} new" if new_texts else None,
    )
    return Saved(after, warnings)


def add_example(
    session: Session, name: str, text: str, actor: str, entities: list | None = None
) -> Saved:
    """One more example (from the inbox); checked like any other save."""
    intent = get_intent(session, name)
    examples = [{"text": e.text, "entities": e.entities} for e in intent.examples]
    examples.append({"text": text, "entities": entities or []})
    return save_examples(session, name, examples, intent.revision, actor)


def move_example(
    session: Session, text: str, source: str, target: str, actor: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Move one example to another intent; both intents' revisions change."""
    require_editable(session)
    origin, destination = get_intent(session, source), get_intent(session, target)
    if origin.name == destination.name:
        raise StudioError("Choose another intent to move the example to.")
    match = next((e for e in origin.examples if normalize(e.text) == normalize(text)), None)
    if match is None:
        raise NotFound(f"{text!r} is not an example of {source!r} (any more).")
    if any(normalize(e.text) == normalize(text) for e in destination.examples):
        raise StudioError(f"{target!r} already has the example {text!r}.")
    before = (intent_view(origin), intent_view(destination))
    _claim(origin, None, before[0], actor)
    _claim(destination, None, before[1], actor)
    origin.examples.remove(match)
    destination.examples.append(
        StudioExample(
            text=match.text,
            entities=match.entities,
            position=len(destination.examples),
            added_by=actor,
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "move_example",
        "intent",
        f"{source} -> {target}",
        {"intent": source, "text": match.text},
        {"intent": target, "text": match.text},
    )
    return intent_view(origin), intent_view(destination)


def create_intent(session: Session, name: str, domain_file: str, actor: str) -> dict[str, Any]:
    require_editable(session)
    name = name.strip()
    if not name or not name.replace("_", "").isalnum() or name != name.lower():
        raise StudioError("Intent names are lower_snake_case, like status_passport.")
    if session.scalar(select(StudioIntent.id).where(StudioIntent.name == name)):
        raise StudioError(f"An intent named {name!r} exists already.")
    domain_files = set(session.scalars(select(StudioFile.path).where(StudioFile.kind == "domain")))
    if domain_file not in domain_files:
        raise StudioError(f"Choose one of the domain files: {', '.join(sorted(domain_files))}.")
    stem = domain_file.rsplit("/", 1)[-1]
    nlu = f"data/nlu/{stem}"
    intent = StudioIntent(
        name=name, domain_file=domain_file, nlu_file=nlu, updated_by=actor, updated_at=utcnow()
    )
    session.add(intent)
    session.flush()
    view = intent_view(intent)
    audit.record(session, actor, "create_intent", "intent", name, None, view)
    return view


def intent_used_in_dialogue(session: Session, name: str) -> list[str]:
    """Stories and rules that name the intent (deleting it would break them)."""
    used = []
    for file in session.scalars(
        select(StudioFile).where(StudioFile.kind.in_(("stories", "rules")))
    ):
        for block in file.body.get(file.kind) or []:
            steps = block.get("steps") or []
            if any(isinstance(s, dict) and s.get("intent") == name for s in steps):
                used.append(block.get("story") or block.get("rule") or "?")
    return used


def delete_intent(session: Session, name: str, base_revision: int | None, actor: str) -> None:
    require_editable(session)
    intent = get_intent(session, name)
    used = intent_used_in_dialogue(session, name)
    if used:
        raise StudioError(
            f"{name!r} is used by the dialogue ({'; '.join(used[:3])}); a developer must "
            "change those stories and rules before the intent can go."
        )
    before = intent_view(intent)
    _claim(intent, base_revision, before, actor)
    session.delete(intent)
    audit.record(session, actor, "delete_intent", "intent", name, before, None)


# ---------------------------------------------------------------- responses


def _placeholders(text: str | None) -> frozenset[str]:
    return frozenset(PLACEHOLDER.findall(text or ""))


def save_response(
    session: Session,
    name: str,
    variations: list[dict[str, Any]],
    base_revision: int | None,
    actor: str,
) -> Saved:
    """Replace a response's variations; buttons and payloads stay those of the variation."""
    require_editable(session)
    response = get_response(session, name)
    before = response_view(response)
    check_revision(response, base_revision, before)
    if not variations:
        raise StudioError("A response needs at least its public wording.")
    cleaned = []
    for index, variation in enumerate(variations, start=1):
        audience = str(variation.get("audience") or PUBLIC)
        if audience not in (PUBLIC, AGENT_CHANNEL):
            raise StudioError(f"Variation {index}: audience must be public or {AGENT_CHANNEL}.")
        text = variation.get("text")
        text = None if text is None else str(text).strip()
        extra = variation.get("extra") or {}
        if not isinstance(extra, dict):
            raise StudioError(f"Variation {index}: buttons and payloads must be an object.")
        if not text and not extra.get("custom"):
            raise StudioError(f"Variation {index} ({audience}) has no text.")
        cleaned.append((audience, str(variation.get("language") or "en"), text, extra))
    if not any(a == PUBLIC for a, *_ in cleaned):
        raise StudioError("Keep the public wording: it is what every channel falls back to.")
    public = [_placeholders(t) for a, _, t, _ in cleaned if a == PUBLIC]
    for audience, _, text, _ in cleaned:
        if audience != PUBLIC and public and _placeholders(text) not in public:
            raise StudioError(
                "The agent wording must use the same {placeholders} as the public wording: "
                f"{', '.join(sorted(set().union(*public))) or 'none'}."
            )
    warnings = []
    if not any(a == AGENT_CHANNEL for a, *_ in cleaned):
        warnings.append(
            {
                "code": "missing_agent_variation",
                "message": "There is no agent script wording: agents will read the public text.",
            }
        )
    _claim(response, base_revision, before, actor)
    response.variations.clear()
    session.flush()
    for position, (audience, language, text, extra) in enumerate(cleaned):
        response.variations.append(
            StudioVariation(
                position=position, audience=audience, language=language, text=text, extra=extra
            )
        )
    session.flush()
    after = response_view(response)
    audit.record(
        session, actor, "edit_response", "response", name, before["variations"], after["variations"]
    )
    return Saved(after, warnings)


# ---------------------------------------------------------------- catalog


def _validate_catalog(session: Session, kind: str, key: str, data: dict[str, Any]) -> dict:
    schema = CATALOG_SCHEMAS.get(kind)
    if schema is None:
        raise StudioError(f"Unknown catalog section {kind!r}.")
    try:
        parsed = schema.parse_obj(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise StudioError(f"Not saved: {problems}.") from None
    entries: dict[str, list] = {k: [] for k in CATALOG_SCHEMAS}
    for entry in session.scalars(select(StudioCatalogEntry)):
        if (entry.kind, entry.key) != (kind, key):
            entries[entry.kind].append(entry.data)
    entries[kind].append(data)
    try:
        CatalogSeed.parse_obj(entries)
    except ValidationError as error:
        raise StudioError(f"Not saved: {error.errors()[0]['msg']}.") from None
    return parsed.dict(exclude_unset=True)


def save_catalog_entry(
    session: Session,
    kind: str,
    key: str,
    data: dict[str, Any],
    base_revision: int | None,
    actor: str,
) -> Saved:
    require_editable(session)
    entry = get_catalog_entry(session, kind, key)
    if data.get("id", key) != key:
        raise StudioError("The id is a contract with analytics and links: it cannot change.")
    data = {"id": key, **{k: v for k, v in data.items() if k != "id"}}
    before = catalog_view(entry)
    check_revision(entry, base_revision, before)
    clean = _validate_catalog(session, kind, key, data)
    _claim(entry, base_revision, before, actor)
    entry.data = {k: data[k] for k in data if k in clean}
    session.flush()
    after = catalog_view(entry)
    audit.record(session, actor, "edit_catalog", kind, key, before["data"], after["data"])
    return Saved(after)


def create_catalog_entry(session: Session, kind: str, data: dict[str, Any], actor: str) -> Saved:
    require_editable(session)
    key = str(data.get("id") or "").strip()
    if not key:
        raise StudioError("Give the new entry an id (lower_snake_case).")
    exists = session.scalar(
        select(StudioCatalogEntry.id).where(
            StudioCatalogEntry.kind == kind, StudioCatalogEntry.key == key
        )
    )
    if exists:
        raise StudioError(f"An entry with id {key!r} exists already.")
    clean = _validate_catalog(session, kind, key, data)
    source = CATALOG_FILES.get(kind) or f"data/catalog/services/{data.get('agency', 'new')}.yml"
    known = session.scalar(select(StudioFile.path).where(StudioFile.path == source))
    if known is None:
        session.add(StudioFile(path=source, kind="catalog", header="", body={kind: "__studio__"}))
    position = session.query(StudioCatalogEntry).filter_by(source_file=source).count()
    entry = StudioCatalogEntry(
        kind=kind,
        key=key,
        source_file=source,
        position=position,
        data={k: data[k] for k in data if k in clean},
        updated_by=actor,
        updated_at=utcnow(),
    )
    session.add(entry)
    session.flush()
    after = catalog_view(entry)
    audit.record(session, actor, "create_catalog", kind, key, None, after["data"])
    return Saved(after)
