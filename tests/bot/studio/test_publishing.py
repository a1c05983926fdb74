"""Publishing runs: a run that fails leaves the live model and says why; only one run at a
time; the first start imports the repository as the live version 1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.auth.accounts import StaffUser
from bot.db import session_scope
from bot.settings import REPO_ROOT, get_settings
from bot.studio import draft, publishing, review
from bot.studio.content import render_files, snapshot
from bot.studio.draft import StudioError
from bot.studio.models import StudioFile, StudioJob, StudioRelease
from bot.training import model_path


class Recorder(BaseHTTPRequestHandler):
    """A stand-in Rasa replica that records every model it is asked to load."""

    calls: list[str] = []

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Recorder.calls.append(json.loads(body or b"{}").get("model_file", ""))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def replica() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Recorder.calls = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def studio(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, replica: str) -> str:
    monkeypatch.setenv("CX_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CX_RASA_REPLICAS", replica)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    return publishing.ensure_studio()


def test_the_first_start_imports_the_repository_as_live_version_1(studio: str) -> None:
    with session_scope(studio) as session:
        (release,) = session.query(StudioRelease).all()
        assert (release.id, release.live, release.created_by) == (1, 1, "import")
        assert release.model_file == str(model_path(REPO_ROOT))
        assert "intents" in release.note and release.items["intents"]["status_passport"]
        assert review.draft_changes(session) == []
    assert publishing.ensure_studio(studio) == studio  # once per process, no second import


def test_a_failed_training_keeps_the_live_model_and_says_why(studio: str) -> None:
    with session_scope(studio) as session:
        # A story naming a response nobody wrote (a developer's mistake the studio must
        # survive): validation refuses it before any training starts.
        stories = session.get(StudioFile, "data/stories/core.yml")
        body = json.loads(json.dumps(stories.body))
        body["stories"][0]["steps"].append({"action": "utter_nobody_wrote_this"})
        stories.body = body
        draft.workflow(session).state = "publishing"  # as approve() leaves it
        job_id = publishing.create_job(session, "publish", "pat")
    publishing.run_job(job_id, studio)

    with session_scope(studio) as session:
        job = session.get(StudioJob, job_id)
        assert job.state == "failed"
        assert "utter_nobody_wrote_this" in job.error
        assert "Traceback" not in job.error
        state = review.state(session)
        assert state["state"] == "editing" and state["review_comment"] == job.error
        live = review.live_release(session)
        assert live.id == 1, "the live version is unchanged"
    assert Recorder.calls == [], "no replica was asked to load anything"


def test_only_one_run_at_a_time(studio: str) -> None:
    with session_scope(studio) as session:
        publishing.create_job(session, "preview", "edna")
    with session_scope(studio) as session, pytest.raises(StudioError, match="already going"):
        publishing.create_job(session, "publish", "pat")


def test_a_run_interrupted_by_a_restart_is_closed_at_the_next_start(
    studio: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(studio) as session:
        job_id = publishing.create_job(session, "publish", "pat")
        draft.workflow(session).state = "publishing"
    publishing._ready.clear()  # a new process
    publishing.ensure_studio(studio)
    with session_scope(studio) as session:
        job = session.get(StudioJob, job_id)
        assert job.state == "failed" and "restarted" in job.error
        assert review.state(session)["state"] == "editing"


def test_the_submitter_cannot_approve_their_own_draft(studio: str) -> None:
    with session_scope(studio) as session:
        intent = draft.get_intent(session, "greet")
        examples = [{"text": e.text, "entities": e.entities} for e in intent.examples]
        examples.append({"text": "greetings to you", "entities": []})
        draft.save_examples(session, "greet", examples, intent.revision, "pat")
        review.submit(session, StaffUser(3, "pat", "Pat", ("editor", "publisher")))
    with session_scope(studio) as session, pytest.raises(StudioError, match="someone else"):
        review.approve(session, StaffUser(3, "pat", "Pat", ("editor", "publisher")))


def _live_release(url: str, model: Path) -> None:
    with session_scope(url) as session:
        for old in session.query(StudioRelease):
            old.live = 0
        session.add(
            StudioRelease(
                created_by="pat",
                items=snapshot(session),
                files=render_files(session),
                content_hash="x",
                model_file=str(model),
                live=1,
            )
        )


def test_a_pruned_live_model_is_trained_again_from_its_version(
    studio: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CX_MODELS_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    _live_release(studio, tmp_path / "models" / "cx-pruned.tar.gz")
    rebuilt = publishing.live_model(studio)
    assert rebuilt is not None and rebuilt.exists() and rebuilt.parent == tmp_path / "models"


def test_old_studio_models_are_pruned_but_live_and_recent_ones_kept(
    studio: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    monkeypatch.setenv("CX_MODELS_DIR", str(models))
    get_settings.cache_clear()
    files = [models / f"cx-{n}.tar.gz" for n in range(6)]
    for path in files:
        path.write_bytes(b"model")
    for path in files[:4]:  # four releases; the oldest is live again after a rollback
        _live_release(studio, path)
    with session_scope(studio) as session:
        for release in session.query(StudioRelease):
            release.live = int(release.model_file == str(files[0]))
        for path in files[4:]:  # two preview runs
            session.add(
                StudioJob(purpose="preview", state="done", started_by="e", model_file=str(path))
            )
    removed = publishing.prune_models(studio)
    assert removed == [files[4]], "only the older preview goes"
    assert [p.exists() for p in files] == [True, True, True, True, False, True]
