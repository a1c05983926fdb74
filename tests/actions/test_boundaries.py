"""The action server reaches agencies only over HTTP: it never imports the mock."""

from __future__ import annotations

import subprocess
import sys

from bot.settings import REPO_ROOT

PROBE = """
import sys
from rasa_sdk.executor import ActionExecutor
executor = ActionExecutor()
executor.register_package("actions")
print(len(executor.actions))
print(sorted(m for m in sys.modules if m == "agencies" or m.startswith("agencies.")))
"""


def test_loading_every_action_imports_no_mock_agency_code() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    count, imported = result.stdout.strip().splitlines()[-2:]
    assert int(count) >= 19
    assert imported == "[]"
