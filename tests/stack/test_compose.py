"""docker-compose.yml describes the deployment topology the README promises."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from bot.settings import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"


def _compose_command() -> list[str] | None:
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_config_accepts_the_file() -> None:
    command = _compose_command()
    if command is None:
        pytest.skip(
            "needs the docker compose plugin (or docker-compose) to run "
            "`docker compose config`; this machine's docker client has neither"
        )
    result = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "RASA_API_TOKEN": "t",
            "CX_ACTIONS_TOKEN": "a",
            "POSTGRES_PASSWORD": "p",
            "CX_SESSION_SECRET": "s",
        },
    )
    assert result.returncode == 0, result.stderr


def test_topology_has_replicas_behind_a_balancer_on_shared_stores() -> None:
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    assert {"postgres", "redis", "agencies", "actions", "rasa", "lb", "web", "retention"} <= set(
        services
    )
    assert services["rasa"]["deploy"]["replicas"] >= 2
    assert "ports" not in services["rasa"], "replicas are reached only through the balancer"
    assert "rasa" in services["lb"]["depends_on"]
    app_env = services["rasa"]["environment"]
    assert app_env["REDIS_URL"].startswith("redis://redis:")
    assert app_env["DATABASE_URL"].startswith("postgresql://")
    assert "--enable-api" in services["rasa"]["command"][-1]
    assert "--auth-token" in services["rasa"]["command"][-1]
    for name, service in services.items():
        if service.get("build"):
            assert (REPO_ROOT / service["build"] / "Dockerfile").exists(), name
    nginx = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    assert "rasa:5005" in nginx


def test_staff_sessions_are_configured_for_production() -> None:
    web = yaml.safe_load(COMPOSE.read_text())["services"]["web"]["environment"]
    assert web["CX_SESSION_SECRET"].startswith("${CX_SESSION_SECRET:?"), "required, not generated"
    assert web["CX_DEMO_ACCOUNTS"] == "false", "no demo staff accounts in production"
