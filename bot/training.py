"""Train the Rasa model only when what it is trained from has changed.

The model file is named after a content hash of config.yml, the domain, the
training data and the Rasa version, so an unchanged project finds its model in
models/ and starts in seconds; any edit (including a studio export) trains anew.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import rasa

from bot.settings import REPO_ROOT, get_settings

CONFIG = "config.yml"
DOMAIN = "bot/domain"
TRAINING_DATA = ("data/nlu", "data/stories", "data/rules")
CACHE_ENV = "RASA_CACHE_DIRECTORY"
# Rasa's training cache, as an absolute path: Rasa records where each cached output lies
# as given, so a relative default would be missed by a run from another directory (the
# studio trains its exported drafts elsewhere and should reuse what `make train` cached).
CACHE_DIR = REPO_ROOT / ".rasa" / "cache"


def training_environment() -> dict[str, str]:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TQDM_DISABLE": "1"}
    env.setdefault(CACHE_ENV, str(CACHE_DIR))
    return env


def training_inputs(root: Path = REPO_ROOT) -> list[Path]:
    files = [root / CONFIG]
    for directory in (DOMAIN, *TRAINING_DATA):
        files += sorted(p for p in (root / directory).rglob("*") if p.suffix in {".yml", ".yaml"})
    return files


def content_hash(root: Path = REPO_ROOT) -> str:
    digest = hashlib.sha256(f"rasa {rasa.__version__}\n".encode())
    for path in training_inputs(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = REPO_ROOT) -> Path:
    return get_settings().models_dir / f"cx-{content_hash(root)}.tar.gz"


def rasa_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("rasa")), *args]


def train(target: Path, root: Path = REPO_ROOT) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    command = rasa_command(
        "train",
        "--config",
        CONFIG,
        "--domain",
        DOMAIN,
        "--data",
        *TRAINING_DATA,
        "--out",
        str(target.parent),
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
    )
    # Rasa's own log goes to stderr so stdout carries only the model path.
    subprocess.run(command, cwd=root, env=training_environment(), check=True, stdout=sys.stderr)


def ensure_model(root: Path = REPO_ROOT) -> Path:
    """Path of a model trained on the current content, training only if it is missing."""
    target = model_path(root)
    if target.exists():
        print(f"model: up to date ({target.name}), training skipped", file=sys.stderr)
        return target
    print(
        f"model: training data or config changed, training {target.name} (about a minute)",
        file=sys.stderr,
    )
    train(target, root)
    prune_models(keep=target)
    return target


def prune_models(keep: Path, retain: int = 3) -> None:
    """Keep the newest few models (for quick switching back), delete older ones."""
    models = sorted(keep.parent.glob("cx-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [m for m in models if m != keep][retain - 1 :]:
        old.unlink(missing_ok=True)


def main() -> None:
    """Print the path of an up-to-date model (training first if needed) on stdout."""
    print(ensure_model())


if __name__ == "__main__":
    main()
