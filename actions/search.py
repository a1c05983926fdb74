"""The action server's catalog search: built from the live catalog, the lookups and the NLU
examples, once per process and again when the catalog changes (a studio publish)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from actions.clients.content import all_lookups
from bot.catalog.payloads import service_payload
from bot.catalog.queries import get_life_experience, list_life_experiences
from bot.catalog.search import (
    OFF_TOPIC_INTENT,
    CatalogSearch,
    SearchEntry,
    SearchHit,
    training_examples,
)
from bot.settings import REPO_ROOT

NLU_DIR = REPO_ROOT / "data" / "nlu"
log = logging.getLogger(__name__)

_lock = threading.Lock()
_built: tuple[tuple, CatalogSearch] | None = None
_examples_read: tuple[tuple, dict[str, list[str]]] | None = None


def _examples(nlu_dir: Path) -> dict[str, list[str]]:
    """The NLU examples, read again only when a file under nlu_dir changed."""
    global _examples_read
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(nlu_dir.glob("*.yml")))
    if _examples_read is None or _examples_read[0] != stamp:
        _examples_read = (stamp, training_examples(nlu_dir))
    return _examples_read[1]


def catalog_entries(nlu_dir: Path = NLU_DIR) -> tuple[list[SearchEntry], list[str]]:
    """One entry per service a person can reach, and the off-topic examples."""
    examples = _examples(nlu_dir)
    entries: dict[str, SearchEntry] = {}
    for summary in list_life_experiences():
        experience = get_life_experience(summary.id)
        if experience is None:
            continue
        for offer in experience.offers:
            service = offer.service
            if service.id in entries:
                continue
            payload = service_payload(experience.id, service.id)
            intents = [f"le_{experience.id}"]
            intents += [c.intent for c in all_lookups().values() if c.service == service.id]
            texts = tuple(x for intent in intents for x in examples.get(intent, ()))
            entries[service.id] = SearchEntry(service, payload, texts)
    return list(entries.values()), examples.get(OFF_TOPIC_INTENT, [])


def catalog_search() -> CatalogSearch:
    """The process's index, rebuilt when the catalog it was built from has changed."""
    global _built
    with _lock:
        entries, off_topic = catalog_entries()
        fingerprint = tuple((e.service, e.payload, e.examples) for e in entries)
        if _built is None or _built[0] != fingerprint:
            _built = (fingerprint, CatalogSearch(entries, off_topic))
        return _built[1]


def find_services(text: str, limit: int = 3) -> list[SearchHit]:
    """Services for a message nobody understood; none when the search cannot be built."""
    try:
        return catalog_search().search(text, limit)
    except Exception as error:  # the database or the encoder: the rephrase prompt still works
        log.error("catalog search unavailable: %s", error)
        return []
