"""Draft review: the diff a publisher reads, and the editing -> in_review -> publishing steps.

A publisher approves or sends back someone else's draft, never their own: two people
see every change before the public does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.auth.accounts import StaffUser
from bot.auth.models import utcnow
from bot.settings import get_settings
from bot.studio import audit
from bot.studio.content import snapshot
from bot.studio.draft import StudioError, findings, workflow
from bot.studio.models import StudioRelease, iso


def live_release(session: Session) -> StudioRelease | None:
    return session.query(StudioRelease).filter_by(live=1).order_by(StudioRelease.id.desc()).first()


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two snapshots, one entry per intent, response or catalog entry."""
    changes: list[dict[str, Any]] = []
    old, new = before.get("intents", {}), after.get("intents", {})
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        a_set, b_set = set(a or []), set(b or [])
        changes.append(
            {
                "type": "intent",
                "key": name,
                "change": "added" if a is None else "removed" if b is None else "changed",
                "added": [x for x in (b or []) if x not in a_set],
                "removed": [x for x in (a or []) if x not in b_set],
                "reordered": a is not None and b is not None and a_set == b_set,
            }
        )
    for section, kind in (("responses", "response"), ("catalog", "catalog")):
        old, new = before.get(section, {}), after.get(section, {})
        for key in sorted(set(old) | set(new)):
            a, b = old.get(key), new.get(key)
            if a != b:
                changes.append(
                    {
                        "type": kind,
                        "key": key,
                        "change": "added" if a is None else "removed" if b is None else "changed",
                        "before": a,
                        "after": b,
                    }
                )
    return changes


def draft_changes(session: Session) -> list[dict[str, Any]]:
    release = live_release(session)
    return diff(release.items if release else {}, snapshot(session))


def state(session: Session) -> dict[str, Any]:
    row = workflow(session)
    return {
        "state": row.state,
        "submitted_by": row.submitted_by,
        "submitted_at": iso(row.submitted_at),
        "review_comment": row.review_comment,
        "reviewed_by": row.reviewed_by,
    }


def submit(session: Session, user: StaffUser, note: str = "") -> dict[str, Any]:
    row = workflow(session)
    if row.state != "editing":
        raise StudioError(
            f"The draft is {row.state.replace('_', ' ')}; it cannot be submitted now."
        )
    changes = draft_changes(session)
    if not changes:
        raise StudioError("The draft is the same as the published version: nothing to review.")
    problems = [
        f.message
        for f in findings(session, get_settings().studio_min_examples)
        if f.level == "error"
    ]
    if problems:
        raise StudioError("Fix these before review: " + " ".join(problems[:3]))
    row.state, row.submitted_by, row.submitted_at = "in_review", user.username, utcnow()
    row.review_comment, row.reviewed_by = None, None
    audit.record(
        session, user.username, "submit", "draft", "", None, {"changes": len(changes)}, note or None
    )
    return state(session)


def _reviewable(session: Session, user: StaffUser) -> Any:
    row = workflow(session)
    if row.state != "in_review":
        raise StudioError("There is no draft waiting for review.")
    if row.submitted_by == user.username:
        raise StudioError(
            "You submitted this draft, so someone else with the publisher role must review it."
        )
    return row


def send_back(session: Session, user: StaffUser, comment: str) -> dict[str, Any]:
    if not comment.strip():
        raise StudioError("Say what to change: the editor reads your comment.")
    row = _reviewable(session, user)
    row.state, row.review_comment, row.reviewed_by = "editing", comment.strip(), user.username
    audit.record(session, user.username, "send_back", "draft", "", None, None, comment.strip())
    return state(session)


def approve(session: Session, user: StaffUser, comment: str = "") -> Any:
    """Marks the draft as publishing; the caller starts the publish job in the same breath."""
    row = _reviewable(session, user)
    row.state, row.reviewed_by, row.review_comment = "publishing", user.username, None
    audit.record(session, user.username, "approve", "draft", "", None, None, comment or None)
    return row


def publish_finished(session: Session, ok: bool, message: str | None) -> None:
    """Back to editing; a refused or failed publish leaves its reason for the editors."""
    row = workflow(session)
    row.state = "editing"
    row.review_comment = None if ok else message
    if ok:
        row.submitted_by, row.submitted_at = None, None
