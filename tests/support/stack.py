"""Start and stop the real stack (`python -m bot.stack`) for integration tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bot.settings import REPO_ROOT

READY_TIMEOUT = 420


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class Stack:
    process: subprocess.Popen
    log_path: Path
    var_dir: Path
    ports: dict[str, int]
    token: str = ""
    admin_token: str = ""
    agency_key: str = ""
    children: set[int] = field(default_factory=set)

    def url(self, service: str, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def say(self, message: str, sender: str | None = None, **extra: object) -> list[dict]:
        """Post to the REST webhook as a person would; returns the bot's messages."""
        response = requests.post(
            self.url("rasa", "/webhooks/rest/webhook"),
            json={"sender": sender or uuid.uuid4().hex, "message": message, **extra},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def set_agency_fault(self, agency: str | None = None, **change: object) -> None:
        """Misbehave one agency through the mock's admin endpoint; no agency resets all."""
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        url = self.url("agencies", "/admin/faults")
        if agency is None:
            response = requests.delete(url, headers=headers, timeout=10)
        else:
            response = requests.post(
                url, json={"agency": agency, **change}, headers=headers, timeout=10
            )
        response.raise_for_status()

    def staff_demo_password(self) -> str:
        """The demo staff accounts' password (`make run` prints where it is)."""
        path = self.var_dir / "staff_demo_password"
        if path.exists():
            return path.read_text().strip()
        return os.environ["CX_STAFF_DEMO_PASSWORD"]

    def tracker(self, sender: str) -> dict:
        response = requests.get(
            self.url("rasa", f"/conversations/{sender}/tracker"),
            params={"token": self.token},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()


def start_stack(var_dir: Path, remove_env: tuple[str, ...] = (), **env: str) -> Stack:
    ports = {name: free_port() for name in ("rasa", "actions", "web", "agencies")}
    child_env = {k: v for k, v in os.environ.items() if k not in remove_env}
    child_env.update(
        CX_VAR_DIR=str(var_dir),
        RASA_PORT=str(ports["rasa"]),
        ACTIONS_PORT=str(ports["actions"]),
        WEB_PORT=str(ports["web"]),
        AGENCIES_PORT=str(ports["agencies"]),
        RASA_API_TOKEN=f"test-{uuid.uuid4().hex}",
        AGENCY_API_KEY=f"key-{uuid.uuid4().hex}",
        AGENCIES_ADMIN_TOKEN=f"admin-{uuid.uuid4().hex}",
    )
    # Every test client shares 127.0.0.1: one "office" far busier than any real one.
    child_env.setdefault("CX_RATE_PER_IP", "100000")
    child_env.setdefault("CX_LOOKUP_MISSES_PER_ADDRESS", "100000")  # and lookup misses
    child_env.update(env)
    log_path = var_dir / "stack.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.stack"],
            cwd=REPO_ROOT,
            env=child_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    stack = Stack(
        process,
        log_path,
        var_dir,
        ports,
        token=child_env["RASA_API_TOKEN"],
        admin_token=child_env["AGENCIES_ADMIN_TOKEN"],
        agency_key=child_env["AGENCY_API_KEY"],
    )
    deadline = time.monotonic() + READY_TIMEOUT
    while "| ready" not in stack.log():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_stack(stack)
            raise RuntimeError(f"stack did not become ready; log tail:\n{stack.log()[-4000:]}")
        time.sleep(0.5)
    stack.children = descendants(process.pid)
    return stack


def stop_stack(stack: Stack, sig: signal.Signals = signal.SIGTERM) -> int:
    if stack.process.poll() is None:
        stack.process.send_signal(sig)
    try:
        return stack.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        return stack.process.wait()
