"""`python -m actions.server`: rasa-sdk's action server (same arguments), answering only
the Rasa server, with the actions and everything they import kept out of full garbage
collections (bot.gc_freeze).

Only the Rasa server may call: every route but `/health` needs `Authorization: Bearer
<CX_ACTIONS_TOKEN>` (bot/endpoints.yml sends it). Without it anyone who reached :5055
could run `action_lookup_status` directly, past the channels' rate limits and the
console's verification. Without a configured token the server does not start.

Every action call carries the whole domain, parsed into thousands of objects; under
`make bench` that brought a full collection every few seconds, each stopping every
action call in flight for 0.1-0.25 s.
"""

from __future__ import annotations

import threading
from typing import Any

import rasa_sdk.endpoint
from rasa_sdk.__main__ import main
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.search import find_services
from bot.bearer import HEADER, holds_token
from bot.gc_freeze import frozen_after
from bot.settings import get_settings

OPEN_PATHS = frozenset({"/health"})  # probes of make run, compose and the balancer
_STOCK_CREATE_APP = rasa_sdk.endpoint.create_app


class MissingToken(SystemExit):
    """The action server will not run open to anyone."""


def refuse_strangers(app: Sanic, token: str) -> None:
    """Every route but the health check answers 401 unless the caller holds `token`."""

    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or holds_token(request.headers.get(HEADER), token):
            return None
        return response.json(
            {"error": "unauthorized", "message": "Only the Rasa server may call actions."},
            status=401,
        )

    app.register_middleware(require_token, "request")


def create_app(*args: Any, **kwargs: Any) -> Sanic:
    """rasa-sdk's app, closed to every caller but the Rasa server."""
    token = get_settings().actions_token
    if not token:
        raise MissingToken(
            "CX_ACTIONS_TOKEN is not set: the action server answers only callers holding it. "
            "`make run` generates one into var/ and gives it to Rasa and the action server; "
            "elsewhere set the same value for both."
        )
    app = _STOCK_CREATE_APP(*args, **kwargs)
    refuse_strangers(app, token)
    return app


def install() -> None:
    """Idempotent: registering the actions package (at start-up) ends in a freeze, and
    the app rasa-sdk runs is the closed one."""
    ActionExecutor.register_package = frozen_after(ActionExecutor.register_package)  # type: ignore[method-assign]
    rasa_sdk.endpoint.create_app = create_app


def warm_up_search() -> None:
    """Build the catalog search in the background: encoding the catalog and the NLU examples
    takes seconds, which the first person not understood should not wait for."""
    threading.Thread(target=find_services, args=("warm up",), daemon=True).start()


if __name__ == "__main__":
    install()
    warm_up_search()
    main()
