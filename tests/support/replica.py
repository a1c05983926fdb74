"""A second Rasa replica of a running stack: the same command line and environment as
the stack's own Rasa process, on another port, sharing its Redis."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.services import wait_until_healthy
from tests.support.stack import Stack, free_port

READY_TIMEOUT = 300


def rasa_process(stack: Stack) -> int:
    """The pid of the stack's `rasa run` process."""
    for pid in stack.children:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"run" in argv and any(a.endswith(b"/rasa") for a in argv):
            return pid
    raise LookupError("the stack runs no rasa process")


@dataclass
class Replica:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_replica(stack: Stack, log_path: Path) -> Replica:
    pid = rasa_process(stack)
    argv = [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    env = dict(item.decode().split("=", 1) for item in environ if b"=" in item)
    port = free_port()
    argv[argv.index("--port") + 1] = str(port)
    env["RASA_PORT"] = str(port)
    cwd = Path(f"/proc/{pid}/cwd").resolve()
    with log_path.open("w") as log:
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    replica = Replica(process, port, log_path)
    try:
        wait_until_healthy(f"{replica.url}/webhooks/health/", process, READY_TIMEOUT)
    except RuntimeError as error:
        replica.stop()
        tail = log_path.read_text()[-3000:]
        raise RuntimeError(f"replica did not start ({error}):\n{tail}") from error
    return replica
