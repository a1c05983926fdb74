"""schemathesis fuzzes every mock agency endpoint from the service's own OpenAPI document.

schemathesis cannot live beside Rasa 3.6 (it needs jsonschema >= 4.18; Rasa pins 4.17.3),
so `make setup` installs it in a venv of its own (`.venv-fuzz`, requirements/fuzz.txt) and
this test runs its command line against the real service. `test_fuzz.py` beside it drives
the same service with hypothesis directly, with header and body strategies of its own.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from agencies.app import app
from bot.settings import REPO_ROOT
from tests.conftest import AGENCY_KEY
from tests.support.services import Service

pytestmark = pytest.mark.integration

SCHEMATHESIS = REPO_ROOT / ".venv-fuzz" / "bin" / "schemathesis"
OPERATIONS = [
    (method, path)
    for path, operations in app.openapi()["paths"].items()
    if not path.startswith("/admin")
    for method in operations
]


def test_schemathesis_finds_no_server_error_in_any_agency_endpoint(
    agencies_without_latency: Service, tmp_path: Path
) -> None:
    assert SCHEMATHESIS.exists(), "`make setup` installs schemathesis in .venv-fuzz"
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{agencies_without_latency.url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--header",
            f"X-Api-Key: {AGENCY_KEY}",
            # The admin endpoint injects faults (500, 503) on purpose.
            "--exclude-path-regex",
            "^/admin",
            "--max-examples",
            "30",
            "--seed",
            "1",
            "--generation-database",
            "none",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,  # where schemathesis leaves its reports
    )
    report = result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    tested = re.search(r"Tested: (\d+)", result.stdout)
    cases = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert tested and int(tested.group(1)) == len(OPERATIONS), report
    assert cases and int(cases.group(1)) == int(cases.group(2)) >= 10 * len(OPERATIONS), report
