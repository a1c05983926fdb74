"""Publish pipeline: an exported project tree -> a trained, tested model, live on every replica.

Content staff see every failure as one plain sentence (`PipelineError`), never a traceback;
the Rasa log tail stays on the error for whoever debugs it. Training shares Rasa's cache
with `make train` (`<repo>/.rasa/cache`), so an edited response reuses the NLU pipeline and
the policies instead of training them again.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import requests

from bot.settings import REPO_ROOT
from bot.training import (
    CONFIG,
    DOMAIN,
    TRAINING_DATA,
    content_hash,
    rasa_command,
    training_environment,
    training_inputs,
)

ProgressFn = Callable[[int, str], None]

TRAIN_TIMEOUT = 30 * 60
VALIDATE_TIMEOUT = 5 * 60
TEST_TIMEOUT = 20 * 60
LOG_TAIL_LINES = 200
MAX_PROBLEMS = 3
STORY_TESTS = REPO_ROOT / "tests" / "stories"
NLU_HOLDOUT = REPO_ROOT / "tests" / "nlu" / "holdout.yml"
NLU_REPORT = REPO_ROOT / "tests" / "nlu" / "report.py"

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+[A-Z]+\s+\S+\s+-\s+")
WARNING_PREFIX = re.compile(r"^\S+\.py:\d+: \w*Warning: ")
PROGRESS_BAR = re.compile(r"^[^|]{0,60}:\s+\d+%\|")
EXCEPTION = re.compile(
    r"^(?:[\w.]+\.)?(?P<kind>[A-Z]\w*(?:Exception|Error|Domain|Rule)): (?P<text>.+)$"
)
EPOCHS = re.compile(r"^Epochs:\s+\d+%\|.*?\|\s*(?P<done>\d+)/(?P<total>\d+)")
COMPONENT = re.compile(
    r"(?P<event>Starting to train|Finished training|Restored) component '(?P<name>\w+)'"
)
SAVED = "Your Rasa model is trained and saved"

# Rasa validator warnings that mean the content is wrong (the rest, such as an
# unused response or a button-only intent without examples, are normal here).
BLOCKING = [
    (
        r"The action '(?P<a>[^']+)' is used in the stories, but is not a valid utterance action",
        "a story or rule uses the response '{a}', which the domain does not define",
    ),
    (
        r"The action '(?P<a>[^']+)' is used in the '(?P<b>[^']+)' block, but it is not listed",
        "the story or rule '{b}' uses the action '{a}', which the domain does not list",
    ),
    (
        r"The form '(?P<a>[^']+)' is used in the '(?P<b>[^']+)' block, but it is not listed",
        "the story or rule '{b}' uses the form '{a}', which the domain does not list",
    ),
    (
        r"The intent '(?P<a>[^']+)' is used in your stories, but it is not listed",
        "a story or rule uses the intent '{a}', which the domain does not list",
    ),
    (
        r"The form slot '(?P<a>[^']+)' in form '(?P<b>[^']+)' is not present in the domain",
        "the form '{b}' asks for the slot '{a}', which the domain does not define",
    ),
    (
        r"Slot '(?P<a>[^']+)' has a mapping condition for form '(?P<b>[^']+)' which is not",
        "the slot '{a}' is filled during the form '{b}', which the domain does not define",
    ),
    (
        r"Slot '(?P<a>[^']+)' has a mapping condition for form '(?P<b>[^']+)', but it's not",
        "the slot '{a}' is filled during the form '{b}', but that form does not ask for it",
    ),
    (
        r"The intent (?P<a>\S+) in the domain file is using the MappingPolicy format",
        "the intent '{a}' uses 'triggers', which this version of Rasa no longer supports",
    ),
    (r"Encountered empty domain", "the domain is empty"),
]
KIND_WORDS = {
    "InvalidDomain": "the domain is not valid",
    "InvalidSlotTypeException": "a slot has an unknown type",
    "InvalidConfigException": "config.yml is not valid",
    "YamlSyntaxException": "a file is not valid YAML",
    "InvalidRule": "a rule is not valid",
}
DEVELOPER_ADVICE = ("Please", "If you", "You can find", "More info", "See ")


class PipelineError(Exception):
    """A step of the pipeline failed; `str()` is one plain sentence for content staff."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


# ---------------------------------------------------------------- training


def train_tree(tree: Path, models_dir: Path, progress: ProgressFn) -> Path:
    """The model of `tree` (trained unless one with its content hash exists): checks the
    files, lets `rasa data validate` find content errors in seconds, then trains."""
    progress(0, "Checking the files")
    _check_files(tree)
    target = models_dir / f"cx-{content_hash(tree)}.tar.gz"
    if target.exists():
        progress(100, "Model already up to date")
        return target
    progress(2, "Checking the content")
    _validate(tree, progress)
    progress(10, "Training")
    models_dir.mkdir(parents=True, exist_ok=True)
    # Rasa writes the archive in place: train into a scratch folder, then move it, so
    # an interrupted run never leaves a half-written model under the final name.
    scratch = Path(tempfile.mkdtemp(prefix=".train-", dir=models_dir))
    try:
        trained = _train(tree, scratch, target.name.removesuffix(".tar.gz"), progress)
        os.replace(trained, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    progress(100, "Model ready")
    return target


def _check_files(tree: Path) -> None:
    """Every input present and valid YAML: Rasa skips an unreadable domain file silently and
    then reports dozens of consequences instead of the one cause."""
    from rasa.shared.utils.io import read_yaml

    for folder in (DOMAIN, *TRAINING_DATA):
        if not (tree / folder).is_dir():
            raise PipelineError(f"Training did not start: the folder {folder} is missing.")
    for path in training_inputs(tree):
        name = path.relative_to(tree).as_posix()
        if not path.is_file():
            raise PipelineError(f"Training did not start: {name} is missing.")
        try:
            read_yaml(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise PipelineError(f"Training did not start: {name} is not UTF-8 text.") from None
        except Exception as error:  # ruamel's errors share no useful base class
            message = f"Training did not start: {_yaml_problem(name, error)}."
            raise PipelineError(message, f"{name}: {error}") from None


def _yaml_problem(name: str, error: Exception) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"{name} is not valid YAML{where} ({problem})"


def _validate(tree: Path, progress: ProgressFn) -> None:
    lines: list[str] = []
    command = rasa_command("data", "validate", *_project_args())
    code, tail = _stream("Checking the content", command, tree, VALIDATE_TIMEOUT, lines.append)
    problems = _blocking_problems(lines)
    if code != 0 and not problems:
        problems = _problems(lines, tree)
    if problems:
        raise PipelineError(_sentence("Training did not start", problems), tail)
    progress(8, "Content checked")


def _train(tree: Path, out: Path, name: str, progress: ProgressFn) -> Path:
    tracker = _TrainingProgress(_config_components(tree), progress, low=10, high=97)
    lines: list[str] = []

    def on_line(line: str) -> None:
        lines.append(line)
        tracker.feed(line)

    command = rasa_command(
        "train",
        *_project_args(),
        "--skip-validation",  # done just before, with its errors in plain words
        "--out",
        str(out),
        "--fixed-model-name",
        name,
    )
    code, tail = _stream("Training", command, tree, TRAIN_TIMEOUT, on_line)
    model = out / f"{name}.tar.gz"
    if code != 0 or not model.exists():
        raise PipelineError(_sentence("Training failed", _problems(lines, tree)), tail)
    return model


def _project_args() -> list[str]:
    return ["--config", CONFIG, "--domain", DOMAIN, "--data", *TRAINING_DATA]


def _config_components(tree: Path) -> list[tuple[str, int]]:
    """(class name, epochs) of every pipeline component and policy, in order."""
    from rasa.shared.utils.io import read_yaml

    config = read_yaml((tree / CONFIG).read_text(encoding="utf-8")) or {}
    entries = [*(config.get("pipeline") or []), *(config.get("policies") or [])]
    return [
        (str(e.get("name", "")).rsplit(".", 1)[-1], int(e.get("epochs") or 0))
        for e in entries
        if isinstance(e, dict)
    ]


class _TrainingProgress:
    """Rasa's log -> a percentage that only goes up. Each component weighs one unit plus
    one per ten epochs, so DIET's and TED's epochs move the bar as they run."""

    def __init__(
        self, components: list[tuple[str, int]], report: ProgressFn, low: int, high: int
    ) -> None:
        self.pending = [(name, 1 + epochs / 10) for name, epochs in components]
        self.total = sum(weight for _, weight in self.pending) or 1.0
        self.report, self.low, self.high = report, low, high
        self.done, self.current, self.current_weight = 0.0, "", 0.0
        self.best = low

    def feed(self, line: str) -> None:
        text = LOG_PREFIX.sub("", line)
        if match := COMPONENT.search(text):
            self._component(match["event"], match["name"])
        elif (match := EPOCHS.match(text)) and self.current:
            share = int(match["done"]) / max(1, int(match["total"]))
            label = f"Training {self.current}: epoch {match['done']} of {match['total']}"
            self._emit(self.done + self.current_weight * share, label)
        elif SAVED in text:
            self._emit(self.total, "Saving the model")

    def _component(self, event: str, name: str) -> None:
        weight = self._take(name)
        if event == "Starting to train":
            self.current, self.current_weight = name, weight
            self._emit(self.done, f"Training {name}")
            return
        self.done += weight
        self.current = ""
        verb = "reused from the cache" if event == "Restored" else "trained"
        self._emit(self.done, f"{name} {verb}")

    def _take(self, name: str) -> float:
        """The weight of the next configured component of that name (names repeat)."""
        if self.current == name:
            return self.current_weight
        for index, (pending, weight) in enumerate(self.pending):
            if pending == name:
                del self.pending[index]
                return weight
        self.total += 1  # a component the config did not name (added by Rasa)
        return 1.0

    def _emit(self, units: float, label: str) -> None:
        percent = self.low + round((self.high - self.low) * min(1.0, units / self.total))
        self.best = max(self.best, percent)
        self.report(self.best, label)


# ---------------------------------------------------------------- evaluation


class _Test(NamedTuple):
    command: str  # rasa test <command>
    data_flag: str
    data: Path
    done: str  # progress label once it finished


TESTS = {
    "stories": _Test("core", "--stories", STORY_TESTS, "Test conversations checked"),
    "nlu": _Test("nlu", "--nlu", NLU_HOLDOUT, "Held-out examples checked"),
}


def evaluate(model: Path, tree: Path, progress: ProgressFn) -> dict:
    """The model against the repository's test stories and held-out NLU split (both run at
    once: each is mostly Rasa's start-up, on its own core)."""
    progress(0, "Testing conversations and understanding")
    with tempfile.TemporaryDirectory(prefix="cx-evaluate-") as scratch:
        out = Path(scratch)
        deadline = time.monotonic() + TEST_TIMEOUT
        runs = {
            kind: _start(_test_command(kind, model, out / kind), tree, out / f"{kind}.log")
            for kind in TESTS
        }
        try:
            for done, (kind, process) in enumerate(runs.items(), start=1):
                _finish(process, deadline, out / f"{kind}.log", tree)
                progress(100 * done // (len(runs) + 1), TESTS[kind].done)
        finally:
            for process in runs.values():
                _stop(process)
        result = {
            "stories": _story_results(out / "stories"),
            "nlu": _nlu_results(out / "nlu"),
        }
    progress(100, "Tests finished")
    return result


def _test_command(kind: str, model: Path, out: Path) -> list[str]:
    test = TESTS[kind]
    return rasa_command(
        "test", test.command, "--model", str(model), test.data_flag, str(test.data),
        "--out", str(out), "--no-plot",
    )  # fmt: skip


def _story_results(folder: Path) -> dict[str, Any]:
    report = json.loads(_result_file(folder / "story_report.json").read_text())
    summary = report.get("conversation_accuracy", {})
    failed = _failed_story_names(folder / "failed_test_stories.yml")
    total = int(summary.get("total", 0))
    return {
        "total": total,
        "failed": total - int(summary.get("correct", total)),
        "failed_names": failed,
    }


def _failed_story_names(path: Path) -> list[str]:
    from rasa.shared.utils.io import read_yaml

    data = read_yaml(_result_file(path).read_text(encoding="utf-8")) or {}
    # Rasa appends the test file to each name: "greeting (/abs/tests/stories/test_core.yml)".
    return [
        re.sub(r" \([^()]*\.ya?ml\)$", "", str(story.get("story", "")))
        for story in data.get("stories") or []
    ]


def _nlu_results(folder: Path) -> dict[str, Any]:
    overall = _nlu_report_module().figures(folder)
    report = json.loads(_result_file(folder / "intent_report.json").read_text())
    return {
        "accuracy": float(overall["accuracy"]),
        "macro_f1": float(overall["macro_f1"]),
        "weighted_f1": float(overall["weighted_f1"]),
        "per_intent_f1": {
            intent: float(row["f1-score"])
            for intent, row in report.items()
            if isinstance(row, dict) and not intent.endswith(" avg")
        },
    }


def _nlu_report_module() -> ModuleType:
    """tests/nlu/report.py (the parser of `make nlu-report`), loaded by path: `tests` is
    not on sys.path outside the repository, and textstat installs a `tests` package."""
    spec = importlib.util.spec_from_file_location("cx_nlu_report", NLU_REPORT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _result_file(path: Path) -> Path:
    if not path.exists():
        raise PipelineError(f"Testing the new model failed: Rasa wrote no {path.name}.")
    return path


# ---------------------------------------------------------------- comparison


def compare(before: dict | None, after: dict, max_f1_drop: float) -> list[str]:
    """Why the new model must not go live, one plain sentence each; empty means publish."""
    reasons = []
    stories = after["stories"]
    if stories["failed"]:
        names = ", ".join(f"'{name}'" for name in stories["failed_names"])
        reasons.append(
            f"{stories['failed']} of {stories['total']} test conversations no longer go as "
            f"written: {names}."
        )
    if before is not None:
        old, new = before["nlu"]["macro_f1"], after["nlu"]["macro_f1"]
        if round(old - new, 6) > max_f1_drop:
            reasons.append(
                f"The assistant would understand people less well: its score on held-out "
                f"examples (macro F1) falls from {old:.3f} to {new:.3f}, more than the "
                f"{max_f1_drop:.3f} allowed.{_worst_intents(before, after, max_f1_drop)}"
            )
    return reasons


def _worst_intents(before: dict, after: dict, max_f1_drop: float) -> str:
    old = before["nlu"].get("per_intent_f1", {})
    new = after["nlu"].get("per_intent_f1", {})
    drops = sorted(
        ((old[i] - new[i], i) for i in old.keys() & new.keys() if old[i] - new[i] > max_f1_drop),
        reverse=True,
    )[:MAX_PROBLEMS]
    if not drops:
        return ""
    listed = ", ".join(f"'{i}' ({old[i]:.2f} to {new[i]:.2f})" for _, i in drops)
    return f" Most affected: {listed}."


# ---------------------------------------------------------------- loading


class _LoadFailure(NamedTuple):
    reason: str
    maybe_loaded: bool  # timed out: the replica may still finish loading the new model


def swap_model(
    model: Path, replicas: list[str], token: str, previous: Path | None, timeout: float = 300
) -> None:
    """`PUT /model` on every replica in turn; on the first failure the replicas already
    switched get `previous` back, so the public never sees two models for long."""
    switched: list[str] = []
    for replica in replicas:
        failure = _load(replica, model, token, timeout)
        if failure is None:
            switched.append(replica)
            continue
        undo = switched + ([replica] if failure.maybe_loaded else [])
        raise PipelineError(
            f"The new model was not loaded: the assistant at {replica} {failure.reason}."
            + _restore(undo, previous, token, timeout)
        )


def _load(replica: str, model: Path, token: str, timeout: float) -> _LoadFailure | None:
    try:
        response = requests.put(
            f"{replica.rstrip('/')}/model",
            params={"token": token},
            json={"model_file": str(model)},
            timeout=(10, timeout),
        )
    except requests.ConnectTimeout:
        return _LoadFailure("could not be reached (no answer to connect)", False)
    except requests.Timeout:
        return _LoadFailure(f"did not finish loading within {timeout:.0f} seconds", True)
    except requests.ConnectionError:
        return _LoadFailure("could not be reached (connection refused or lost)", False)
    if response.ok:
        return None
    if response.status_code in (401, 403):
        return _LoadFailure(f"refused the access token (HTTP {response.status_code})", False)
    return _LoadFailure(
        f"refused it (HTTP {response.status_code}: {_rasa_message(response)})", False
    )


def _rasa_message(response: requests.Response) -> str:
    try:
        message = str(response.json().get("message") or "")
    except (ValueError, AttributeError):
        message = response.text
    return " ".join(message.split())[:300].rstrip(".") or response.reason or "no reason given"


def _restore(replicas: list[str], previous: Path | None, token: str, timeout: float) -> str:
    if not replicas:
        return " No assistant was changed."
    names = ", ".join(replicas)
    if previous is None:
        return f" There is no earlier model to put back on {names}, which may run the new one."
    failed = [
        f"{r} ({failure.reason})"
        for r in replicas
        if (failure := _load(r, previous, token, timeout)) is not None
    ]
    if failed:
        return f" Putting the earlier model back also failed on {', '.join(failed)}."
    return f" The earlier model was put back on {names}."


# ---------------------------------------------------------------- processes


def _environment() -> dict[str, str]:
    env = training_environment()  # the cache `make train` fills
    env.update(
        PYTHONUNBUFFERED="1",  # lines arrive as Rasa writes them: live progress
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore::DeprecationWarning,ignore::PendingDeprecationWarning",
    )
    return env


def _stream(
    step: str, command: list[str], cwd: Path, timeout: float, on_line: Callable[[str], None]
) -> tuple[int, str]:
    """Runs `command`, handing each output line (tqdm's carriage returns included) to
    `on_line`; returns the exit code and the log tail, or raises when time runs out."""
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
    )
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        _stop(process)

    timer = threading.Timer(timeout, expire)
    timer.start()
    try:
        assert process.stdout is not None
        for raw in process.stdout:
            line = _clean(raw)
            if line and not PROGRESS_BAR.match(line):
                tail.append(line)
            on_line(line)
        code = process.wait()
    finally:
        timer.cancel()
        _stop(process)
    if expired.is_set():
        raise PipelineError(_timeout_message(step, timeout), "\n".join(tail))
    return code, "\n".join(tail)


def _start(command: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    with log.open("w") as handle:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=_environment(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _finish(process: subprocess.Popen, deadline: float, log: Path, tree: Path) -> None:
    try:
        code = process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise PipelineError(
            _timeout_message("Testing the new model", TEST_TIMEOUT), _tail(log)
        ) from None
    if code != 0:
        lines = [_clean(line) for line in log.read_text(errors="replace").splitlines()]
        raise PipelineError(
            _sentence("Testing the new model failed", _problems(lines, tree)), _tail(log)
        )


def _stop(process: subprocess.Popen) -> None:
    """Ends the process and whatever it started (its own session), if still running."""
    if process.poll() is None:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _timeout_message(step: str, timeout: float) -> str:
    return f"{step} took longer than {timeout / 60:g} minutes and was stopped."


def _tail(log: Path) -> str:
    lines = [_clean(line) for line in log.read_text(errors="replace").splitlines()]
    return "\n".join(
        [line for line in lines if line and not PROGRESS_BAR.match(line)][-LOG_TAIL_LINES:]
    )


def _clean(raw: str) -> str:
    return ANSI.sub("", raw).rstrip()


# ---------------------------------------------------------------- plain words


def _sentence(prefix: str, problems: list[str]) -> str:
    shown = "; ".join(problems[:MAX_PROBLEMS]) or "Rasa stopped without saying why"
    more = len(problems) - MAX_PROBLEMS
    extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
    return f"{prefix}: {shown.rstrip('.')}{extra}."


def _blocking_problems(lines: list[str]) -> list[str]:
    found: list[str] = []
    for line in lines:
        text = WARNING_PREFIX.sub("", LOG_PREFIX.sub("", line))
        for pattern, words in BLOCKING:
            if match := re.search(pattern, text):
                _add(found, words.format(**match.groupdict()))
    return found


def _problems(lines: list[str], tree: Path) -> list[str]:
    """The meaningful lines of a failed Rasa run: its exception (not the traceback), the
    validator's findings, else the last lines it printed."""
    found = _blocking_problems(lines)
    texts = [LOG_PREFIX.sub("", line) for line in lines]
    for index, text in enumerate(texts):
        if match := EXCEPTION.match(text):
            for problem in _exception_problems(match["kind"], match["text"], texts[index + 1 :]):
                _add(found, _relative(problem, tree))
    if found:
        return found
    last = [t.strip() for t in texts if t.strip() and not _noise(t)]
    return [_relative(t, tree) for t in last[-2:]]


def _exception_problems(kind: str, text: str, following: list[str]) -> list[str]:
    if kind == "YamlValidationException":
        details = _yaml_validation_details(following)
        if details:
            return details
    words = " ".join(
        s
        for s in re.split(r"(?<=[.!?])\s+", text)
        if "http" not in s and not s.startswith(DEVELOPER_ADVICE)
    )
    lead = KIND_WORDS.get(kind)
    return [f"{lead}: {words}" if lead else words]


def _yaml_validation_details(following: list[str]) -> list[str]:
    """`in /x/bot/domain/core.yml:37:` + `Value 'b'hi'' is not a list. Value path: '/a/b'`."""
    details = []
    for index, line in enumerate(following):
        where = re.match(r"^\s+in (?P<file>.+?):(?P<line>\d+):$", line)
        if not where:
            if details and line and not line.startswith(" "):
                break
            continue
        detail = following[index + 1].strip() if index + 1 < len(following) else ""
        detail = re.sub(r"'b'(.*?)''", r"'\1'", detail)
        detail = re.sub(r"\. Value path: '/?(?P<p>[^']*)'", r" (at \g<p>)", detail)
        details.append(f"{where['file']}, line {where['line']}: {detail.rstrip('.')}")
    return details


def _noise(text: str) -> bool:
    stripped = text.strip()
    return bool(
        PROGRESS_BAR.match(stripped)
        or stripped.startswith(("Traceback", 'File "', "^", "warnings.warn", "More info"))
        or WARNING_PREFIX.match(stripped)
        or text.startswith(" ")
    )


def _relative(text: str, tree: Path) -> str:
    for root in {str(tree.resolve()), str(tree)}:
        text = text.replace(root + os.sep, "")
    return text


def _add(found: list[str], problem: str) -> None:
    if problem and problem not in found:
        found.append(problem)
