"""Start single real services (not the whole stack) on free ports for integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bot.settings import REPO_ROOT
from tests.support.stack import free_port


@dataclass
class Service:
    process: subprocess.Popen
    url: str
    env: dict[str, str]
    log_path: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_uvicorn(app: str, var_dir: Path, **env: str) -> Service:
    """`uvicorn <app>` on a free port with its state under `var_dir`; waits for /health."""
    port = free_port()
    argv = ["uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--ws", "wsproto"]
    return start_module(argv, app.split(":")[0], port, var_dir, **env)


def start_module(argv: list[str], name: str, port: int, var_dir: Path, **env: str) -> Service:
    """`python -m <argv>` listening on `port` with its state under `var_dir` (no Redis,
    no DATABASE_URL unless `env` names them); waits for /health."""
    child_env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "CX_VAR_DIR": str(var_dir),
        **env,
    }
    log_path = var_dir / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", *argv],
            cwd=REPO_ROOT,
            env=child_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    service = Service(process, f"http://127.0.0.1:{port}", child_env, log_path)
    try:
        wait_until_healthy(f"{service.url}/health", process, timeout=60)
    except RuntimeError as error:
        service.stop()
        tail = log_path.read_text()[-3000:]
        raise RuntimeError(f"{name} did not start ({error}):\n{tail}") from error
    return service


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float) -> None:
    """Polls `url` until it answers 200; RuntimeError if `process` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"exited with code {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not healthy after {timeout}s")
        time.sleep(0.2)
