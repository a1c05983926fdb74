"""The action server answers only the Rasa server, and starts with its actions frozen
out of full garbage collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
import requests
from rasa_sdk.executor import ActionExecutor

from actions import server
from bot.bearer import bearer_headers
from bot.settings import get_settings
from tests.support.services import Service, start_module
from tests.support.stack import free_port


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_registering_the_actions_freezes_them_and_registers_every_action() -> None:
    server.install()
    server.install()  # idempotent
    executor = ActionExecutor()
    gc.unfreeze()
    executor.register_package("actions")
    assert gc.get_freeze_count() > 0
    assert {"validate_life_experience_form", "action_show_next_steps"} <= set(executor.actions)


ACTIONS_TOKEN = "test-actions-token"
CALL = {
    "next_action": "action_lookup_status",
    "sender_id": "direct",
    "tracker": {
        "sender_id": "direct",
        "slots": {"lookup": "passport"},
        "latest_message": {},
        "events": [],
        "latest_input_channel": "rest",
    },
    "domain": {"forms": {}},
}


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`python -m actions.server` as make run starts it, on a free port."""
    port = free_port()
    argv = ["actions.server", "--actions", "actions", "--port", str(port)]
    service = start_module(
        argv, "actions", port, tmp_path_factory.mktemp("actions"), CX_ACTIONS_TOKEN=ACTIONS_TOKEN
    )
    yield service
    service.stop()


@pytest.mark.integration
@pytest.mark.parametrize(
    "headers",
    [{}, bearer_headers("wrong-token"), {"Authorization": ACTIONS_TOKEN}],
    ids=["none", "wrong", "not-bearer"],
)
def test_a_direct_call_to_the_webhook_is_refused(action_server: Service, headers: dict) -> None:
    """Issue 22: a POST to :5055/webhook ran a lookup for anyone who reached the port."""
    for method, path in [("POST", "/webhook"), ("GET", "/actions")]:
        reply = requests.request(
            method, f"{action_server.url}{path}", json=CALL, headers=headers, timeout=10
        )
        assert reply.status_code == 401, (path, reply.text)
        assert reply.json()["error"] == "unauthorized"


@pytest.mark.integration
def test_the_rasa_server_holding_the_token_is_served_and_health_stays_open(
    action_server: Service,
) -> None:
    assert requests.get(f"{action_server.url}/health", timeout=10).status_code == 200
    reply = requests.get(
        f"{action_server.url}/actions", headers=bearer_headers(ACTIONS_TOKEN), timeout=10
    )
    assert reply.status_code == 200
    assert "action_lookup_status" in {a["name"] for a in reply.json()}


def test_without_a_token_the_server_does_not_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CX_ACTIONS_TOKEN", raising=False)
    get_settings.cache_clear()
    with pytest.raises(server.MissingToken, match="CX_ACTIONS_TOKEN"):
        server.create_app("actions")
