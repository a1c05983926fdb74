"""`python -m actions.server`: rasa-sdk's action server (same arguments), with the
actions and everything they import kept out of full garbage collections (bot.gc_freeze).

Every action call carries the whole domain, parsed into thousands of objects; under
`make bench` that brought a full collection every few seconds, each stopping every
action call in flight for 0.1-0.25 s.
"""

from __future__ import annotations

from rasa_sdk.__main__ import main
from rasa_sdk.executor import ActionExecutor

from bot.gc_freeze import frozen_after


def install() -> None:
    """Idempotent: registering the actions package (at start-up) ends in a freeze."""
    ActionExecutor.register_package = frozen_after(ActionExecutor.register_package)  # type: ignore[method-assign]


if __name__ == "__main__":
    install()
    main()
