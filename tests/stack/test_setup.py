"""The setup step finds Python 3.10 by itself or says exactly what to install."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from bot.settings import REPO_ROOT


def test_setup_without_python_310_names_what_to_install(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "scripts" / "setup-venv", project / "scripts")
    result = subprocess.run(
        ["bash", "scripts/setup-venv"],
        cwd=project,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 1
    assert "needs Python 3.10" in result.stderr
    assert "pyenv install 3.10" in result.stderr
    assert not (project / ".venv").exists()
