"""Editing the draft: checks that refuse or warn, revisions that stop silent overwrites,
the review steps, and the audit log written with every change."""

from __future__ import annotations

import pytest

from bot.auth.accounts import StaffUser
from bot.db import session_scope
from bot.studio import audit, draft, review
from bot.studio.content import snapshot
from bot.studio.draft import Conflict, StudioError
from bot.studio.models import StudioRelease

EDITOR = StaffUser(1, "edna", "Edna Editor", ("editor",))
OTHER_EDITOR = StaffUser(2, "eli", "Eli Editor", ("editor",))
PUBLISHER = StaffUser(3, "pat", "Pat Publisher", ("editor", "publisher"))


def _examples(url: str, intent: str) -> tuple[list[dict], int]:
    with session_scope(url) as session:
        view = draft.intent_view(draft.get_intent(session, intent))
    return [{"text": e["text"], "entities": e["entities"]} for e in view["examples"]], view[
        "revision"
    ]


def _save(url: str, intent: str, examples: list[dict], revision: int, who: str = "edna"):
    with session_scope(url) as session:
        return draft.save_examples(session, intent, examples, revision, who)


def test_an_added_example_is_saved_with_its_entity_and_audited(studio_url: str) -> None:
    examples, revision = _examples(studio_url, "status_ssa_application")
    text = "did the ss office get my application"
    examples.append(
        {"text": text, "entities": [{"start": 8, "end": 10, "entity": "agency", "value": "ssa"}]}
    )
    saved = _save(studio_url, "status_ssa_application", examples, revision)
    assert saved.item["revision"] == revision + 1
    assert saved.item["updated_by"] == "edna"
    assert saved.item["examples"][-1]["annotated"] == (
        'did the [ss]{"entity": "agency", "value": "ssa"} office get my application'
    )
    with session_scope(studio_url) as session:
        (entry,) = audit.entries(session, item="status_ssa_application")
    assert (entry["actor"], entry["action"], entry["item_type"]) == (
        "edna",
        "edit_examples",
        "intent",
    )
    assert text not in [e["text"] for e in entry["before"]]
    assert text in [e["text"] for e in entry["after"]]


def test_an_example_of_another_intent_is_refused_naming_that_intent(studio_url: str) -> None:
    examples, revision = _examples(studio_url, "status_irs_refund")
    examples.append({"text": "Where is my passport?", "entities": []})
    with pytest.raises(StudioError, match="already an example of the intent 'status_passport'"):
        _save(studio_url, "status_irs_refund", examples, revision)
    assert _examples(studio_url, "status_irs_refund") == (examples[:-1], revision), "nothing saved"


def test_a_very_similar_example_is_saved_with_a_warning_showing_the_closest(
    studio_url: str,
) -> None:
    examples, revision = _examples(studio_url, "status_irs_refund")
    examples.append({"text": "where's my passport now", "entities": []})
    saved = _save(studio_url, "status_irs_refund", examples, revision)
    (warning,) = saved.warnings
    assert warning["code"] == "similar_example"
    assert warning["closest"][0]["intent"] == "status_passport"
    assert 0 < warning["closest"][0]["score"] <= 1


@pytest.mark.parametrize(
    ("example", "message"),
    [
        ({"text": "   ", "entities": []}, "is empty"),
        (
            {"text": "my va claim", "entities": [{"start": 3, "end": 40, "entity": "agency"}]},
            "outside the example",
        ),
        (
            {"text": "my va claim", "entities": [{"start": 3, "end": 5, "entity": "planet"}]},
            "'planet' is not an entity",
        ),
    ],
)
def test_bad_examples_are_refused_in_plain_words(
    studio_url: str, example: dict, message: str
) -> None:
    examples, revision = _examples(studio_url, "status_va_claim")
    with pytest.raises(StudioError, match=message):
        _save(studio_url, "status_va_claim", [*examples, example], revision)


def test_the_second_editor_is_told_and_shown_the_first_editors_change(studio_url: str) -> None:
    examples, revision = _examples(studio_url, "status_passport")
    mine = [*examples, {"text": "passport tracker please", "entities": []}]
    theirs = [*examples, {"text": "is my passport in the mail", "entities": []}]
    _save(studio_url, "status_passport", mine, revision, who="edna")
    with pytest.raises(Conflict) as conflict:
        _save(studio_url, "status_passport", theirs, revision, who="eli")
    current = conflict.value.current
    assert current["updated_by"] == "edna" and current["revision"] == revision + 1
    assert "passport tracker please" in [e["text"] for e in current["examples"]]
    assert "edna saved this" in str(conflict.value)
    saved, _ = _examples(studio_url, "status_passport")
    assert "passport tracker please" in [e["text"] for e in saved], "the first save is kept"
    assert "is my passport in the mail" not in [e["text"] for e in saved]
    # Eli, shown Edna's version, may choose to save on top of it: now an explicit choice.
    _save(studio_url, "status_passport", theirs, current["revision"], who="eli")


def test_a_response_keeps_its_buttons_and_needs_the_same_placeholders(studio_url: str) -> None:
    with session_scope(studio_url) as session:
        response = draft.response_view(draft.get_response(session, "utter_greet"))
    variations = response["variations"]
    public = next(v for v in variations if v["audience"] == "public")
    public["text"] = "Hi! I can help you find federal services."
    with session_scope(studio_url) as session:
        saved = draft.save_response(
            session, "utter_greet", variations, response["revision"], "edna"
        )
    assert saved.warnings == []
    with session_scope(studio_url) as session:
        items = snapshot(session)
    assert items["responses"]["utter_greet"][0]["text"] == public["text"]
    assert items["responses"]["utter_greet"][1]["channel"] == "agent_console"

    agent = next(v for v in variations if v["audience"] == "agent_console")
    agent["text"] = "Read: Hello {name}."
    with session_scope(studio_url) as session, pytest.raises(StudioError, match="placeholders"):
        draft.save_response(session, "utter_greet", variations, saved.item["revision"], "edna")


def test_a_response_without_agent_wording_is_flagged(studio_url: str) -> None:
    with session_scope(studio_url) as session:
        response = draft.response_view(draft.get_response(session, "utter_greet"))
        public = [v for v in response["variations"] if v["audience"] == "public"]
        saved = draft.save_response(session, "utter_greet", public, response["revision"], "edna")
        findings = draft.findings(session, 10)
    assert [w["code"] for w in saved.warnings] == ["missing_agent_variation"]
    assert any("utter_greet" in f.message and f.level == "error" for f in findings)


def test_catalog_links_must_be_https_and_phones_must_parse(studio_url: str) -> None:
    with session_scope(studio_url) as session:
        entry = draft.catalog_view(draft.get_catalog_entry(session, "agencies", "ssa"))
    bad_url = {**entry["data"], "url": "http://www.ssa.gov"}
    bad_phone = {**entry["data"], "phone": "call us"}
    for data, message in ((bad_url, "https"), (bad_phone, "phone number")):
        with session_scope(studio_url) as session, pytest.raises(StudioError, match=message):
            draft.save_catalog_entry(session, "agencies", "ssa", data, entry["revision"], "edna")
    good = {**entry["data"], "phone": "1-800-772-1214"}
    with session_scope(studio_url) as session:
        saved = draft.save_catalog_entry(
            session, "agencies", "ssa", good, entry["revision"], "edna"
        )
    assert saved.item["data"]["phone"] == "1-800-772-1214"


def test_a_catalog_entry_cannot_point_at_an_unknown_agency(studio_url: str) -> None:
    with session_scope(studio_url) as session:
        entry = draft.catalog_view(
            draft.get_catalog_entry(session, "services", "ssa_retirement_benefits")
        )
        data = {**entry["data"], "agency": "nasa"}
        with pytest.raises(StudioError, match="unknown agency 'nasa'"):
            draft.save_catalog_entry(
                session, "services", "ssa_retirement_benefits", data, entry["revision"], "edna"
            )


def _release(url: str) -> None:
    """The live version = the imported content, as ensure_studio records it."""
    with session_scope(url) as session:
        session.add(
            StudioRelease(
                created_by="import", items=snapshot(session), files={}, content_hash="x", live=1
            )
        )


def test_review_shows_the_diff_and_only_another_publisher_approves(studio_url: str) -> None:
    _release(studio_url)
    examples, revision = _examples(studio_url, "status_passport")
    _save(
        studio_url,
        "status_passport",
        [*examples, {"text": "passport eta", "entities": []}],
        revision,
    )
    with session_scope(studio_url) as session:
        (change,) = review.draft_changes(session)
        assert (change["type"], change["key"], change["added"]) == (
            "intent",
            "status_passport",
            ["passport eta"],
        )
        review.submit(session, EDITOR)
    # In review, the draft cannot change under the reviewer.
    with pytest.raises(StudioError, match="waiting for review"):
        _save(studio_url, "status_passport", examples, revision + 1)
    with session_scope(studio_url) as session, pytest.raises(StudioError, match="someone else"):
        review.approve(session, StaffUser(1, "edna", "Edna", ("editor", "publisher")))
    with session_scope(studio_url) as session, pytest.raises(StudioError, match="Say what"):
        review.send_back(session, PUBLISHER, "  ")
    with session_scope(studio_url) as session:
        state = review.send_back(session, PUBLISHER, "Add a Spanish example too.")
    assert state["state"] == "editing" and state["review_comment"] == "Add a Spanish example too."
    with session_scope(studio_url) as session:
        review.submit(session, EDITOR)
        assert review.approve(session, PUBLISHER).state == "publishing"
        actions = [e["action"] for e in audit.entries(session)]
    assert actions[:4] == ["approve", "submit", "send_back", "submit"]


def test_an_unchanged_draft_cannot_be_submitted(studio_url: str) -> None:
    _release(studio_url)
    with session_scope(studio_url) as session, pytest.raises(StudioError, match="nothing"):
        review.submit(session, EDITOR)


def test_moving_an_example_changes_both_intents(studio_url: str) -> None:
    examples, _ = _examples(studio_url, "status_passport")
    with session_scope(studio_url) as session:
        source, target = draft.move_example(
            session, examples[0]["text"], "status_passport", "status_irs_refund", "edna"
        )
    assert examples[0]["text"] not in [e["text"] for e in source["examples"]]
    assert target["examples"][-1]["text"] == examples[0]["text"]


def test_an_intent_used_by_stories_cannot_be_deleted_but_a_new_one_can(studio_url: str) -> None:
    with session_scope(studio_url) as session:
        intent = draft.get_intent(session, "status_passport")
        with pytest.raises(StudioError, match="used by the dialogue"):
            draft.delete_intent(session, "status_passport", intent.revision, "edna")
        created = draft.create_intent(session, "ask_office_hours", "bot/domain/core.yml", "edna")
        draft.delete_intent(session, "ask_office_hours", created["revision"], "edna")
        with pytest.raises(StudioError, match="lower_snake_case"):
            draft.create_intent(session, "Bad Name", "bot/domain/core.yml", "edna")


def test_the_audit_log_exports_as_csv_with_before_and_after(studio_url: str) -> None:
    examples, revision = _examples(studio_url, "greet")
    _save(studio_url, "greet", [*examples, {"text": "howdy partner", "entities": []}], revision)
    with session_scope(studio_url) as session:
        rows = audit.entries(session)
    text = audit.to_csv(rows)
    header, line = text.splitlines()[:2]
    assert header == ",".join(audit.EXPORT_COLUMNS)
    assert "edit_examples" in line and "howdy partner" in line
    assert any(e["text"] == "howdy partner" for e in rows[0]["after"])
