"""`make run`: seed, train when needed, then run every service in the foreground.

One supervisor for four processes (mock agencies, action server, Rasa server,
web app) with one prefixed log. Each child runs in its own process group and
dies with the supervisor (PR_SET_PDEATHSIG), so Ctrl-C, SIGTERM, or even a
SIGKILL of the supervisor leaves no orphans behind.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bot.secrets import resolve_secrets, secret_file
from bot.settings import REPO_ROOT, Settings, get_settings

PR_SET_PDEATHSIG = 1
STOP_GRACE_SECONDS = 15
READY_TIMEOUT_SECONDS = 300
# One TensorFlow thread per Rasa process unless set: a turn runs its small models one
# at a time, and replicas, not threads, use more cores (make bench: 8% more messages a
# second on 2 cores shared with the other services).
TF_THREADS = ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS")

COLOURS = ["\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m"]


def die_with_parent() -> None:
    """Ask Linux to SIGTERM this process when its parent dies."""
    # Not Linux: no prctl, but Ctrl-C and SIGTERM still stop everything.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Service:
    name: str
    argv: list[str]
    health_url: str | None  # None: a background job, ready once started
    env: dict[str, str] = field(default_factory=dict)
    process: asyncio.subprocess.Process | None = None


def child_environment(settings: Settings, secret_values: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(secret_values)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        PYTHONUNBUFFERED="1",
        ACTION_SERVER_URL=settings.action_endpoint,
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TQDM_DISABLE="1",
        # Library deprecation chatter would drown the one readable log.
        PYTHONWARNINGS=(
            "ignore::DeprecationWarning,ignore::PendingDeprecationWarning,"
            "ignore:::matplotlib._mathtext"
        ),
    )
    return env


def services(settings: Settings, model: Path, token: str) -> list[Service]:
    py = sys.executable
    rasa = str(Path(py).with_name("rasa"))
    host, local = settings.bind_host, "http://127.0.0.1"
    return [
        Service(
            "agencies",
            [
                py,
                "-m",
                "uvicorn",
                "agencies.app:app",
                "--host",
                host,
                "--port",
                str(settings.agencies_port),
                "--no-access-log",
                "--ws",
                "wsproto",
            ],
            f"{local}:{settings.agencies_port}/health",
        ),
        Service(
            "actions",
            [
                py,
                "-m",
                "actions.server",
                "--actions",
                "actions",
                "--port",
                str(settings.actions_port),
            ],
            f"{local}:{settings.actions_port}/health",
        ),
        Service(
            "rasa",
            [
                rasa,
                "run",
                "--model",
                str(model),
                "--endpoints",
                "bot/endpoints.yml",
                "--credentials",
                "bot/credentials.yml",
                "--enable-api",
                "--auth-token",
                token,
                "--interface",
                host,
                "--port",
                str(settings.rasa_port),
                "--cors",
                "*",
            ],
            f"{local}:{settings.rasa_port}/webhooks/health/",
            env={name: os.environ.get(name, "1") for name in TF_THREADS},
        ),
        Service(
            "web",
            [
                py,
                "-m",
                "uvicorn",
                "bot.web.app:app",
                "--host",
                host,
                "--port",
                str(settings.web_port),
                "--no-access-log",
                "--ws",
                "wsproto",
            ],
            f"{local}:{settings.web_port}/health",
        ),
        Service(
            "retention",
            [py, "-m", "bot.retention", "--every", str(settings.retention_interval_seconds)],
            None,
        ),
    ]


class Supervisor:
    def __init__(self, services: list[Service], env: dict[str, str], colour: bool) -> None:
        self.services = services
        self.env = env
        self.colour = colour
        self.stopping = asyncio.Event()
        self.exit_code = 0
        self.width = max(len(s.name) for s in services)

    def say(self, name: str, line: str, index: int = -1) -> None:
        stamp = time.strftime("%H:%M:%S")
        label = name.ljust(self.width)
        if self.colour and index >= 0:
            label = f"{COLOURS[index % len(COLOURS)]}{label}\033[0m"
        print(f"{stamp} {label} | {line}", flush=True)

    async def _pump(self, index: int, service: Service) -> None:
        assert service.process and service.process.stdout
        async for raw in service.process.stdout:
            self.say(service.name, raw.decode(errors="replace").rstrip(), index)

    async def start(self) -> list[asyncio.Task]:
        tasks = []
        for index, service in enumerate(self.services):
            service.process = await asyncio.create_subprocess_exec(
                *service.argv,
                cwd=REPO_ROOT,
                env={**self.env, **service.env},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
            self.say("stack", f"started {service.name} (pid {service.process.pid})")
            tasks.append(asyncio.create_task(self._pump(index, service)))
            tasks.append(asyncio.create_task(self._watch(service)))
        return tasks

    async def _watch(self, service: Service) -> None:
        assert service.process
        code = await service.process.wait()
        if not self.stopping.is_set():
            self.say("stack", f"{service.name} exited with code {code}; stopping everything")
            self.exit_code = 1
            self.stopping.set()

    async def wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        pending = list(self.services)
        while pending and not self.stopping.is_set():
            results = await asyncio.gather(
                *(asyncio.to_thread(healthy, s.health_url) for s in pending)
            )
            pending = [s for s, ok in zip(pending, results, strict=True) if not ok]
            if time.monotonic() > deadline:
                self.say(
                    "stack",
                    f"not healthy after {READY_TIMEOUT_SECONDS}s: "
                    + ", ".join(s.name for s in pending),
                )
                self.exit_code = 1
                self.stopping.set()
                return False
            if pending:
                await asyncio.sleep(0.5)
        return not pending

    async def stop(self) -> None:
        running = [s.process for s in self.services if s.process and s.process.returncode is None]
        for proc in running:
            signal_group(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.gather(*(p.wait() for p in running)), STOP_GRACE_SECONDS)
        except asyncio.TimeoutError:
            for proc in running:
                signal_group(proc.pid, signal.SIGKILL)
        # Grandchildren (server workers) live in the same groups: make sure of them too.
        for service in self.services:
            if service.process:
                signal_group(service.process.pid, signal.SIGKILL)


def signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def healthy(url: str | None) -> bool:
    if url is None:
        return True
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def staff_login_lines(settings: Settings, base: str) -> list[str]:
    from bot.auth.accounts import demo_password_file

    if not settings.demo_accounts:
        return []
    where = "from CX_STAFF_DEMO_PASSWORD"
    if not settings.staff_demo_password:
        path = demo_password_file(settings)
        where = f"in {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}"
    login = f"{base}:{settings.web_port}/login"
    accounts = "manager, agent, editor, publisher, admin"
    return [f"  staff login             {login}  ({accounts}; password {where})"]


def print_ready(settings: Settings, token_hint: str, say: Callable[[str, str], None]) -> None:
    base = f"http://{settings.public_host}"
    lines = [
        "ready",
        f"  web app (widget page)   {base}:{settings.web_port}/",
        f"  REST webhook            {base}:{settings.rasa_port}/webhooks/rest/webhook",
        f"  Rasa HTTP API           {base}:{settings.rasa_port}/  (token: {token_hint})",
        f"  content studio          {base}:{settings.web_port}/studio",
        f"  action server           {base}:{settings.actions_port}/health",
        f"  mock agency APIs        {base}:{settings.agencies_port}/docs",
        *staff_login_lines(settings, base),
        "  stop with Ctrl-C",
    ]
    for line in lines:
        say("stack", line)


async def supervise(
    settings: Settings, model: Path, secret_values: dict[str, str], token_hint: str
) -> int:
    env = child_environment(settings, secret_values)
    token = secret_values["RASA_API_TOKEN"]
    supervisor = Supervisor(services(settings, model, token), env, colour=sys.stdout.isatty())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, supervisor.stopping.set)
    tasks = await supervisor.start()
    try:
        if await supervisor.wait_ready():
            print_ready(settings, token_hint, supervisor.say)
        await supervisor.stopping.wait()
    finally:
        supervisor.say("stack", "stopping all services")
        await supervisor.stop()
        for task in tasks:
            task.cancel()
        supervisor.say("stack", "stopped")
    return supervisor.exit_code


def prepare(settings: Settings) -> Path:
    """Everything before the services start: databases seeded, model trained."""
    from agencies.seed import seed_agencies
    from bot.auth.accounts import ensure_demo_accounts
    from bot.catalog.seed import seed_catalog
    from bot.studio.publishing import live_model
    from bot.training import ensure_model

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    print("stack: catalog " + ("seeded" if seed_catalog() else "already seeded"))
    print("stack: agency records " + ("seeded" if seed_agencies() else "already seeded"))
    if ensure_demo_accounts(settings):
        print("stack: demo staff accounts ready (manager, agent, editor, publisher, admin)")
    published = live_model()
    if published is not None:
        # Content published from the studio outranks the repository's YAML it was seeded from.
        print(f"stack: serving the studio's published model {published.name}")
        return published
    return ensure_model()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()
    die_with_parent()
    os.chdir(REPO_ROOT)
    settings = get_settings()
    model = prepare(settings)
    secret_values = resolve_secrets(settings)
    hint = (
        "from RASA_API_TOKEN"
        if settings.rasa_api_token
        else f"in {secret_file(settings, 'rasa_api_token')}"
    )
    sys.exit(asyncio.run(supervise(settings, model, secret_values, hint)))


if __name__ == "__main__":
    main()
