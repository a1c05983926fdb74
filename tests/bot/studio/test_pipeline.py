"""The publish pipeline against real Rasa runs and real HTTP servers (no mocks of Rasa)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from ruamel.yaml import YAML

from bot.settings import REPO_ROOT
from bot.studio.pipeline import (
    STORY_TESTS,
    PipelineError,
    compare,
    evaluate,
    swap_model,
    train_tree,
)
from bot.training import CONFIG, DOMAIN, TRAINING_DATA, content_hash
from tests.support.stack import free_port

TOKEN = "replica-test-token"


# ---------------------------------------------------------------- helpers


def copy_project(target: Path) -> Path:
    """What the studio exports: config, domain and training data, nothing else."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / CONFIG, target / CONFIG)
    for folder in (DOMAIN, *TRAINING_DATA):
        shutil.copytree(REPO_ROOT / folder, target / folder)
    return target


def edit(tree: Path, relative: str, old: str, new: str) -> None:
    path = tree / relative
    text = path.read_text()
    assert old in text, f"{relative} no longer contains {old!r}: pick another edit"
    path.write_text(text.replace(old, new, 1))


def first_response(tree: Path) -> tuple[Path, str]:
    """(domain file, name) of the first response with a text: whatever the content is."""
    for path in sorted((tree / DOMAIN).glob("*.yml")):
        for name, variations in (YAML(typ="safe").load(path).get("responses") or {}).items():
            if any("text" in variation for variation in variations):
                return path, name
    raise AssertionError("the domain has no response text")


def change_first_response(tree: Path) -> None:
    """Appends words to the first text of the first response, as a content editor would."""
    path, name = first_response(tree)
    yaml = YAML()  # round trip, YAML 1.2 like Rasa: only that text changes
    yaml.width = 4096
    data = yaml.load(path)
    variation = next(v for v in data["responses"][name] if "text" in v)
    variation["text"] += " (Edited in the studio.)"
    yaml.dump(data, path)


def add_step_to_first_story(tree: Path, step: dict) -> str:
    """Appends `step` to the first story of the first stories file; returns the story name."""
    path = sorted((tree / "data" / "stories").glob("*.yml"))[0]
    yaml = YAML()
    data = yaml.load(path)
    story = data["stories"][0]
    story["steps"].append(step)
    yaml.dump(data, path)
    return story["story"]


class Recorder:
    """A ProgressFn that keeps every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []

    def __call__(self, percent: int, label: str) -> None:
        self.calls.append((percent, label))

    @property
    def percents(self) -> list[int]:
        return [p for p, _ in self.calls]

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.calls]


def assert_plain(error: PipelineError) -> str:
    message = str(error)
    assert "Traceback" not in message and 'File "' not in message, message
    assert "\n" not in message and "\x1b[" not in message, message
    return message


# ---------------------------------------------------------------- training failures


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "tree")


def _train_should_fail(project: Path, tmp_path: Path) -> tuple[str, Recorder, float]:
    progress, began = Recorder(), time.monotonic()
    with pytest.raises(PipelineError) as caught:
        train_tree(project, tmp_path / "models", progress)
    assert not list((tmp_path / "models").glob("*.tar.gz")), "no model may come of it"
    assert max(progress.percents) < 10, f"training must not have started: {progress.calls}"
    return assert_plain(caught.value), progress, time.monotonic() - began


def test_invalid_yaml_is_named_with_its_line_before_rasa_starts(
    project: Path, tmp_path: Path
) -> None:
    edit(project, "bot/domain/core.yml", "responses:\n", "responses:\n  utter_broken: [oops\n")

    message, _, seconds = _train_should_fail(project, tmp_path)

    assert message.startswith("Training did not start: bot/domain/core.yml is not valid YAML")
    assert "line " in message
    assert seconds < 5


@pytest.mark.integration
def test_a_story_using_an_action_missing_from_the_domain_fails_in_plain_words(
    project: Path, tmp_path: Path
) -> None:
    story = add_step_to_first_story(project, {"action": "action_nobody_wrote"})

    message, progress, seconds = _train_should_fail(project, tmp_path)

    assert message == (
        f"Training did not start: the story or rule '{story}' uses the action "
        "'action_nobody_wrote', which the domain does not list."
    )
    assert "Checking the content" in progress.labels
    assert seconds < 60, f"validation should fail fast, took {seconds:.0f}s"


@pytest.mark.integration
def test_a_malformed_response_names_file_line_and_response(project: Path, tmp_path: Path) -> None:
    domain_file, name = first_response(project)
    relative = domain_file.relative_to(project).as_posix()
    edit(project, relative, f"  {name}:\n", f'  {name}: "just a string"\n  {name}_old:\n')

    message, _, _ = _train_should_fail(project, tmp_path)

    assert message.startswith(f"Training did not start: {relative}, line ")
    assert f"is not a list (at responses/{name})" in message


# ---------------------------------------------------------------- compare()


def metrics(
    failed: Sequence[str] = (), total: int = 30, macro: float = 0.95, **intents: float
) -> dict:
    return {
        "stories": {"total": total, "failed": len(failed), "failed_names": list(failed)},
        "nlu": {
            "accuracy": macro,
            "macro_f1": macro,
            "weighted_f1": macro,
            "per_intent_f1": intents or {"greet": 1.0},
        },
    }


def test_a_model_as_good_as_the_live_one_is_accepted() -> None:
    assert compare(metrics(macro=0.95), metrics(macro=0.94), max_f1_drop=0.02) == []


def test_a_drop_of_exactly_the_allowance_is_accepted() -> None:
    assert compare(metrics(macro=0.95), metrics(macro=0.93), max_f1_drop=0.02) == []


def test_failed_test_stories_refuse_the_publish_by_name() -> None:
    after = metrics(failed=["greeting", "passport lookup"], total=31)

    reasons = compare(None, after, max_f1_drop=0.02)

    assert reasons == [
        "2 of 31 test conversations no longer go as written: 'greeting', 'passport lookup'."
    ]


def test_a_larger_f1_drop_refuses_and_names_the_intents_that_got_worse() -> None:
    before = metrics(macro=0.95, greet=0.98, affirm=0.97, deny=0.90)
    after = metrics(macro=0.90, greet=0.70, affirm=0.96, deny=0.80)

    (reason,) = compare(before, after, max_f1_drop=0.02)

    assert "falls from 0.950 to 0.900, more than the 0.020 allowed" in reason
    assert "'greet' (0.98 to 0.70), 'deny' (0.90 to 0.80)" in reason
    assert "affirm" not in reason


def test_without_a_live_model_only_the_new_models_own_results_count() -> None:
    assert compare(None, metrics(macro=0.10), max_f1_drop=0.02) == []


def test_every_reason_is_given_at_once() -> None:
    reasons = compare(metrics(macro=0.95), metrics(["greeting"], macro=0.5), max_f1_drop=0.02)
    assert len(reasons) == 2


# ---------------------------------------------------------------- swap_model()


class Replica:
    """A stand-in Rasa server: records `PUT /model` and answers like Rasa 3.6 does."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.refuse: set[str] = set()  # model files it fails to load
        replica = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                url = urlsplit(self.path)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                token = parse_qs(url.query).get("token", [""])[0]
                replica.calls.append({"path": url.path, "token": token, **body})
                if token != TOKEN:
                    self._answer(HTTPStatus.UNAUTHORIZED, "User is not authenticated.")
                elif body["model_file"] in replica.refuse:
                    self._answer(
                        HTTPStatus.INTERNAL_SERVER_ERROR,
                        "An unexpected error occurred. Error: model archive is damaged",
                    )
                else:
                    self.send_response(HTTPStatus.NO_CONTENT)
                    self.end_headers()

            def _answer(self, status: HTTPStatus, message: str) -> None:
                data = json.dumps(
                    {"version": "3.6.21", "status": "failure", "message": message, "code": status}
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        serve = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        serve.start()

    @property
    def loaded(self) -> list[str]:
        return [call["model_file"] for call in self.calls]


@pytest.fixture
def replicas() -> Iterator[list[Replica]]:
    started = [Replica(), Replica()]
    yield started
    for replica in started:
        replica.server.shutdown()
        replica.server.server_close()


NEW, OLD = Path("/models/cx-new.tar.gz"), Path("/models/cx-old.tar.gz")


def test_the_new_model_reaches_every_replica(replicas: list[Replica]) -> None:
    swap_model(NEW, [r.url for r in replicas], TOKEN, OLD, timeout=10)

    for replica in replicas:
        assert replica.calls == [{"path": "/model", "token": TOKEN, "model_file": str(NEW)}]


def test_a_refusing_replica_puts_the_earlier_model_back_on_the_others(
    replicas: list[Replica],
) -> None:
    first, second = replicas
    second.refuse.add(str(NEW))

    with pytest.raises(PipelineError) as caught:
        swap_model(NEW, [first.url, second.url], TOKEN, OLD, timeout=10)

    message = assert_plain(caught.value)
    assert message == (
        f"The new model was not loaded: the assistant at {second.url} refused it (HTTP 500: "
        "An unexpected error occurred. Error: model archive is damaged). "
        f"The earlier model was put back on {first.url}."
    )
    assert first.loaded == [str(NEW), str(OLD)]
    assert second.loaded == [str(NEW)]


def test_an_unreachable_replica_is_named_and_the_token_never_shown(
    replicas: list[Replica],
) -> None:
    first = replicas[0]
    gone = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(PipelineError) as caught:
        swap_model(NEW, [first.url, gone], TOKEN, OLD, timeout=10)

    message = assert_plain(caught.value)
    assert f"the assistant at {gone} could not be reached" in message
    assert TOKEN not in message
    assert first.loaded == [str(NEW), str(OLD)]


def test_a_wrong_token_changes_nothing(replicas: list[Replica]) -> None:
    with pytest.raises(PipelineError) as caught:
        swap_model(NEW, [r.url for r in replicas], "wrong", OLD, timeout=10)

    assert "refused the access token (HTTP 401)" in str(caught.value)
    assert "No assistant was changed." in str(caught.value)
    assert replicas[1].calls == []


def test_without_an_earlier_model_the_message_says_what_runs_where(
    replicas: list[Replica],
) -> None:
    first, second = replicas
    second.refuse.add(str(NEW))

    with pytest.raises(PipelineError, match=f"no earlier model to put back on {first.url}"):
        swap_model(NEW, [first.url, second.url], TOKEN, None, timeout=10)
    assert first.loaded == [str(NEW)]


# ---------------------------------------------------------------- end to end


def _stories_in(folder: Path) -> int:
    return sum(
        len(YAML(typ="safe").load(path).get("stories") or []) for path in folder.glob("*.yml")
    )


@pytest.mark.integration
@pytest.mark.timeout(1800)  # a cold Rasa cache means a full training (about 6 minutes)
def test_an_edited_response_trains_from_the_cache_and_passes_the_tests(
    project: Path, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    change_first_response(project)
    models, progress = tmp_path / "models", Recorder()

    began = time.monotonic()
    model = train_tree(project, models, progress)
    train_seconds = time.monotonic() - began

    assert model == models / f"cx-{content_hash(project)}.tar.gz" and model.is_file()
    assert progress.percents[-1] == 100 and progress.percents == sorted(progress.percents)
    assert "DIETClassifier reused from the cache" in progress.labels, (
        "Rasa's cache (<repo>/.rasa/cache, filled by `make train`) was not used: "
        f"{[label for label in progress.labels if 'epoch' not in label]}"
    )
    assert not [p for p in models.iterdir() if p != model], "no scratch files left behind"

    again = Recorder()
    assert train_tree(project, models, again) == model
    assert again.calls[-1] == (100, "Model already up to date")

    began = time.monotonic()
    result = evaluate(model, project, Recorder())
    evaluate_seconds = time.monotonic() - began

    stories, nlu = result["stories"], result["nlu"]
    assert stories["total"] == _stories_in(STORY_TESTS)
    assert 0 <= stories["failed"] <= stories["total"]
    assert len(stories["failed_names"]) == stories["failed"]
    for key in ("accuracy", "macro_f1", "weighted_f1"):
        assert 0.0 <= nlu[key] <= 1.0
    assert nlu["per_intent_f1"] and all(0.0 <= f <= 1.0 for f in nlu["per_intent_f1"].values())

    record_property("train_seconds", round(train_seconds, 1))
    record_property("evaluate_seconds", round(evaluate_seconds, 1))
    print(f"train {train_seconds:.1f}s (cache hit), evaluate {evaluate_seconds:.1f}s")
