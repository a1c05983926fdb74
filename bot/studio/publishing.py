"""Releases and background training runs: publish, try the draft, roll back.

A run exports the content to its own directory, trains (Rasa's cache keeps an edit of a
response from retraining the NLU pipeline), tests the new model against the test stories
and the held-out NLU split, compares with the live release, and only then loads the model
into every Rasa replica with `PUT /model`. Any failure leaves the live model in place and
its reason, in plain words, on the job and on the draft.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.auth.models import utcnow
from bot.catalog.schema import CatalogSeed
from bot.catalog.seed import write_catalog
from bot.db import Base, create_tables, session_scope
from bot.settings import REPO_ROOT, get_settings
from bot.studio import audit
from bot.studio.content import import_tree, render_files, snapshot, write_files
from bot.studio.draft import StudioError, workflow
from bot.studio.models import STUDIO_TABLES, StudioFile, StudioJob, StudioRelease, iso
from bot.studio.pipeline import PipelineError, compare, evaluate, swap_model, train_tree
from bot.studio.replicas import replica_urls
from bot.studio.review import live_release, publish_finished
from bot.training import content_hash, model_path

log = logging.getLogger(__name__)
ACTIVE = ("queued", "running")
_ready: set[str] = set()
_bootstrap = threading.Lock()


# ---------------------------------------------------------------- bootstrap


def ensure_studio(url: str | None = None, root: Path = REPO_ROOT) -> str:
    """Tables, the repository imported as release 1, stale runs closed; once per process."""
    url = url or get_settings().product_database_url
    if url in _ready:
        return url
    with _bootstrap:  # two first requests at once must not import twice
        if url not in _ready:
            _bootstrap_studio(url, root)
            _ready.add(url)
    return url


def _bootstrap_studio(url: str, root: Path) -> None:
    from bot.catalog.models import Agency  # noqa: F401  (catalog tables for publishing)

    create_tables(url, [t for t in Base.metadata.sorted_tables if t.name.startswith("catalog_")])
    create_tables(url, STUDIO_TABLES)
    with session_scope(url) as session:
        if session.scalar(select(StudioFile.path).limit(1)) is None:
            counts = import_tree(session, root)
            model = model_path(root)
            session.add(
                StudioRelease(
                    created_by="import",
                    note="Imported from the repository ("
                    + ", ".join(f"{v} {k}" for k, v in counts.items())
                    + ")",
                    items=snapshot(session),
                    files=render_files(session),
                    content_hash=content_hash(root),
                    model_file=str(model),
                    live=1,
                )
            )
            audit.record(session, "import", "import", "project", str(root), None, counts)
        for job in session.scalars(select(StudioJob).where(StudioJob.state.in_(ACTIVE))):
            job.state, job.finished_at = "failed", utcnow()
            job.error = "The web app restarted during this run; start it again."
            if job.purpose == "publish":
                publish_finished(session, False, job.error)


def live_model(url: str | None = None) -> Path | None:
    """The model of the studio's live release (None while the repository's import is live).

    A live model whose file was pruned is trained again from the release's files, so a
    restart never falls back to the repository's YAML behind the studio's back."""
    url = url or get_settings().product_database_url
    try:
        with session_scope(url) as session:
            release = live_release(session)
            if release is None or release.created_by == "import" or not release.model_file:
                return None
            path, files, number = Path(release.model_file), dict(release.files), release.id
    except SQLAlchemyError:  # no studio tables yet: the repository's model is the live one
        return None
    if path.exists():
        return path
    tree = get_settings().var_dir / "studio" / "builds" / f"release-{number}"
    write_files(files, tree)
    log.warning("the live model %s is missing: training it again from version %s", path, number)
    return train_tree(tree, get_settings().models_dir, lambda _p, _s: None)


def prune_models(url: str) -> list[Path]:
    """Delete studio models nobody can need: not the live one, not among the three newest
    releases, not the latest preview (older releases are retrained on rollback)."""
    models_dir = get_settings().models_dir
    with session_scope(url) as session:
        releases = session.scalars(select(StudioRelease).order_by(StudioRelease.id.desc())).all()
        keep = {r.model_file for r in releases if r.live} | {r.model_file for r in releases[:3]}
        preview = session.scalar(
            select(StudioJob.model_file)
            .where(StudioJob.purpose == "preview", StudioJob.model_file.is_not(None))
            .order_by(StudioJob.id.desc())
            .limit(1)
        )
        studio_models = {j for j in session.scalars(select(StudioJob.model_file)) if j} | {
            r.model_file for r in releases if r.model_file
        }
    keep |= {preview, str(model_path(REPO_ROOT))}
    removed = []
    for candidate in studio_models - keep:
        path = Path(candidate)
        if path.parent == models_dir and path.exists():
            path.unlink()
            removed.append(path)
    return removed


# ---------------------------------------------------------------- jobs


def job_view(job: StudioJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "purpose": job.purpose,
        "state": job.state,
        "progress": job.progress,
        "stage": job.stage,
        "error": job.error,
        "started_by": job.started_by,
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "release_id": job.release_id,
        "result": job.result,
        "seconds": job.seconds,
    }


def create_job(session: Session, purpose: str, actor: str, release_id: int | None = None) -> int:
    running = session.scalar(select(StudioJob).where(StudioJob.state.in_(ACTIVE)))
    if running is not None:
        raise StudioError(
            f"A training run is already going ({running.purpose}, started by "
            f"{running.started_by}); wait for it to finish."
        )
    job = StudioJob(purpose=purpose, started_by=actor, release_id=release_id)
    session.add(job)
    session.flush()
    return job.id


def start(job_id: int, url: str | None = None) -> threading.Thread:
    url = url or get_settings().product_database_url
    thread = threading.Thread(target=run_job, args=(job_id, url), name=f"studio-job-{job_id}")
    thread.daemon = True
    thread.start()
    return thread


class Progress:
    """Writes a job's progress, scaled into the share of the run a stage owns."""

    def __init__(self, job_id: int, url: str) -> None:
        self.job_id, self.url = job_id, url
        self.low, self.high = 0, 100
        self.last = (-1, "")

    def stage(self, low: int, high: int) -> Progress:
        self.low, self.high = low, high
        return self

    def __call__(self, percent: int, label: str) -> None:
        value = self.low + (self.high - self.low) * max(0, min(100, percent)) // 100
        if (value, label) == self.last:
            return
        self.last = (value, label)
        with session_scope(self.url) as session:
            job = session.get(StudioJob, self.job_id)
            job.progress, job.stage = max(job.progress, value), label[:200]


def run_job(job_id: int, url: str) -> None:
    began = time.monotonic()
    with session_scope(url) as session:
        job = session.get(StudioJob, job_id)
        job.state = "running"
        purpose, actor, release_id = job.purpose, job.started_by, job.release_id
    progress = Progress(job_id, url)
    try:
        if purpose == "publish":
            result = _publish(job_id, url, actor, progress)
        elif purpose == "preview":
            result = _preview(job_id, url, progress)
        else:
            result = _rollback(job_id, url, actor, release_id, progress)
        _finish(url, job_id, "done", None, result, began)
        prune_models(url)
    except PipelineError as error:
        _fail(url, job_id, purpose, str(error), getattr(error, "result", None), began)
    except Exception as error:  # the run must end visibly, whatever happened
        log.exception("studio job %s failed", job_id)
        message = f"The run stopped on an unexpected error: {error}. The live model is unchanged."
        _fail(url, job_id, purpose, message, None, began)


def _finish(
    url: str, job_id: int, state: str, error: str | None, result: Any, began: float
) -> None:
    with session_scope(url) as session:
        job = session.get(StudioJob, job_id)
        job.state, job.error, job.finished_at = state, error, utcnow()
        job.seconds = round(time.monotonic() - began, 1)
        if result is not None:
            job.result = result
            job.model_file = result.get("model_file")
            job.release_id = result.get("release_id", job.release_id)
        if state == "done":
            job.progress, job.stage = 100, "Finished"


def _fail(url: str, job_id: int, purpose: str, message: str, result: Any, began: float) -> None:
    _finish(url, job_id, "failed", message, result, began)
    with session_scope(url) as session:
        if purpose == "publish":
            publish_finished(session, False, message)
        audit.record(
            session, "system", f"{purpose}_failed", "job", str(job_id), None, None, message
        )


def _build_dir(job_id: int) -> Path:
    return get_settings().var_dir / "studio" / "builds" / f"job-{job_id}"


def _train_draft(job_id: int, url: str, progress: Progress, high: int) -> tuple[Path, dict, dict]:
    progress.stage(0, 5)(0, "Exporting the draft")
    with session_scope(url) as session:
        files, items = render_files(session), snapshot(session)
    tree = _build_dir(job_id)
    write_files(files, tree)
    model = train_tree(tree, get_settings().models_dir, progress.stage(5, high))
    return model, files, items


def _preview(job_id: int, url: str, progress: Progress) -> dict[str, Any]:
    model, _, _ = _train_draft(job_id, url, progress, 100)
    return {"model_file": str(model), "content_hash": model.name.removesuffix(".tar.gz")}


def _metrics_of_live(url: str, progress: Progress) -> tuple[StudioRelease | None, dict | None]:
    with session_scope(url) as session:
        release = live_release(session)
        if release is None:
            return None, None
        session.expunge(release)
    if release.metrics or not release.model_file or not Path(release.model_file).exists():
        return release, release.metrics
    metrics = evaluate(Path(release.model_file), REPO_ROOT, progress)
    with session_scope(url) as session:
        session.get(StudioRelease, release.id).metrics = metrics
    return release, metrics


def _publish(job_id: int, url: str, actor: str, progress: Progress) -> dict[str, Any]:
    settings = get_settings()
    model, files, items = _train_draft(job_id, url, progress, 55)
    after = evaluate(model, _build_dir(job_id), progress.stage(55, 80))
    live, before = _metrics_of_live(url, progress.stage(80, 92))
    result = {"before": before, "after": after, "model_file": str(model)}
    reasons = compare(before, after, settings.studio_max_f1_drop)
    if reasons:
        error = PipelineError(
            "Not published, the live assistant is unchanged: " + " ".join(reasons)
        )
        error.result = {**result, "reasons": reasons}  # type: ignore[attr-defined]
        raise error
    progress.stage(92, 99)(0, "Loading the new model into the assistant")
    previous = Path(live.model_file) if live and live.model_file else None
    load_everywhere(model, previous)
    with session_scope(url) as session:
        release = _make_live(
            session,
            actor=actor,
            approved_by=workflow(session).reviewed_by,
            note="Published from the studio",
            items=items,
            files=files,
            model=model,
            metrics=after,
        )
        publish_finished(session, True, None)
        audit.record(
            session, actor, "publish", "release", str(release.id), None, {"model": model.name}
        )
        result["release_id"] = release.id
    return result


def load_everywhere(model: Path, previous: Path | None) -> None:
    """The model into every replica; also the newest file of the models directory, so a
    replica that restarts with `--model models` loads it too (after a rollback as well)."""
    settings = get_settings()
    os.utime(model)
    swap_model(model, replica_urls(settings), settings.rasa_api_token or "", previous)


def _make_live(
    session: Session,
    actor: str,
    approved_by: str | None,
    note: str,
    items: dict,
    files: dict,
    model: Path,
    metrics: dict | None,
) -> StudioRelease:
    """A new live release; the catalog tables the actions read follow it."""
    for old in session.scalars(select(StudioRelease).where(StudioRelease.live == 1)):
        old.live = 0
    release = StudioRelease(
        created_by=actor,
        approved_by=approved_by,
        note=note,
        items=items,
        files=files,
        content_hash=model.name.removeprefix("cx-").removesuffix(".tar.gz"),
        model_file=str(model),
        metrics=metrics,
        live=1,
    )
    session.add(release)
    write_catalog(session, catalog_seed(items))
    session.flush()
    return release


def catalog_seed(items: dict[str, Any]) -> CatalogSeed:
    sections: dict[str, list] = {"agencies": [], "services": [], "life_experiences": []}
    for key, data in items.get("catalog", {}).items():
        sections[key.split("/", 1)[0]].append(data)
    return CatalogSeed.parse_obj(sections)


def _rollback(
    job_id: int, url: str, actor: str, release_id: int | None, progress: Progress
) -> dict[str, Any]:
    settings = get_settings()
    with session_scope(url) as session:
        target = session.get(StudioRelease, release_id)
        live = live_release(session)
        if target is None:
            raise PipelineError(f"There is no version {release_id}.")
        files, items, metrics = dict(target.files), dict(target.items), target.metrics
        model = Path(target.model_file) if target.model_file else None
        previous = Path(live.model_file) if live and live.model_file else None
    if model is None or not model.exists():  # pruned: rebuild it from the kept files
        tree = _build_dir(job_id)
        write_files(files, tree)
        model = train_tree(tree, settings.models_dir, progress.stage(0, 90))
    progress.stage(90, 99)(0, "Loading the earlier model into the assistant")
    load_everywhere(model, previous)
    with session_scope(url) as session:
        release = _make_live(
            session, actor, actor, f"Rollback to version {release_id}", items, files, model, metrics
        )
        audit.record(
            session, actor, "rollback", "release", str(release.id), None, {"to": release_id}
        )
        return {"model_file": str(model), "release_id": release.id, "restored": release_id}


def releases(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(StudioRelease).order_by(StudioRelease.id.desc())).all()
    return [
        {
            "id": r.id,
            "created_at": iso(r.created_at),
            "created_by": r.created_by,
            "approved_by": r.approved_by,
            "note": r.note,
            "live": bool(r.live),
            "model": Path(r.model_file).name if r.model_file else None,
            "model_kept": bool(r.model_file and Path(r.model_file).exists()),
            "macro_f1": (r.metrics or {}).get("nlu", {}).get("macro_f1"),
        }
        for r in rows
    ]
