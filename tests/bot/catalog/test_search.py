"""The catalog search finds services by meaning and by words, and nothing for off-topic text."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog.queries import AgencyView, ServiceView
from bot.catalog.search import CatalogSearch, SearchEntry, training_examples

DOL = AgencyView(
    "dol", "Department of Labor", "DOL", "https://www.dol.gov", "1-866-487-2365", None, None
)
VA = AgencyView(
    "va", "Department of Veterans Affairs", "VA", "https://www.va.gov", "1-800-698-2411", None, None
)
STATE = AgencyView(
    "state",
    "Department of State",
    "State",
    "https://travel.state.gov",
    "1-877-487-2778",
    None,
    None,
)


def service(
    id: str, agency: AgencyView, title: str, summary: str, documents: tuple[str, ...] = ()
) -> ServiceView:
    return ServiceView(
        id,
        title,
        summary,
        "https://example.gov",
        agency.phone,
        None,
        None,
        documents,
        (),
        (),
        agency,
    )


ENTRIES = [
    SearchEntry(
        service(
            "dol_unemployment",
            DOL,
            "Apply for unemployment insurance",
            "Get money while you look for work.",
        ),
        '/le_financial_shock{"service": "dol_unemployment"}',
        ("I lost my job", "I was laid off", "how do I file for unemployment"),
    ),
    SearchEntry(
        service(
            "va_gi_bill",
            VA,
            "Use your GI Bill",
            "Pay for school or training after you serve.",
            ("Your DD-214",),
        ),
        '/le_military_transition{"service": "va_gi_bill"}',
        ("I'm getting out of the army", "leaving the military soon"),
    ),
    SearchEntry(
        service(
            "state_passport_renew",
            STATE,
            "Renew your passport",
            "Renew by mail if your passport is undamaged.",
        ),
        '/le_travel{"service": "state_passport_renew"}',
        ("my passport expires soon", "I need to renew my passport"),
    ),
]
OFF_TOPIC = ["what's the weather tomorrow", "tell me a joke", "order a pizza", "play some music"]


@pytest.fixture(scope="module")
def search() -> CatalogSearch:
    return CatalogSearch(ENTRIES, OFF_TOPIC)


def ids(search: CatalogSearch, text: str) -> list[str]:
    return [hit.entry.service.id for hit in search.search(text)]


def test_a_need_in_other_words_finds_its_service(search: CatalogSearch) -> None:
    assert (
        ids(search, "the plant closed and now there's no paycheck coming in")[0]
        == "dol_unemployment"
    )


def test_a_word_only_the_service_uses_finds_it(search: CatalogSearch) -> None:
    assert ids(search, "what do I do with my dd-214 now")[0] == "va_gi_bill"


def test_off_topic_text_finds_nothing(search: CatalogSearch) -> None:
    assert search.threshold > 0
    assert ids(search, "what's a good recipe for lasagna") == []


def test_hits_are_best_first_and_limited(search: CatalogSearch) -> None:
    hits = search.search("I lost my job and my passport expires", limit=2)
    assert len(hits) <= 2
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_an_empty_catalog_is_refused() -> None:
    with pytest.raises(ValueError):
        CatalogSearch([], OFF_TOPIC)


def test_training_examples_lose_their_entity_markup(tmp_path: Path) -> None:
    (tmp_path / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: status_va_claim\n    examples: |\n'
        "      - check my [va](agency) claim\n"
        '      - is my [claim]{"entity": "case"} done\n'
        "  - synonym: va\n    examples: |\n      - veterans affairs\n"
    )
    assert training_examples(tmp_path) == {
        "status_va_claim": ["check my va claim", "is my claim done"]
    }
