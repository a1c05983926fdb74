"""Values generated once into a file under var/, like bot.secrets does for `make run`.

Used when a process starts without the launcher (a bare uvicorn, the tests) and for
the demo staff password. The file is written whole under a temporary name and
linked into place, so two processes starting together agree on one value and
never read a half-written file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def read_or_create_secret(path: Path, nbytes: int = 32) -> tuple[str, bool]:
    """(value, created): the file's value, or a new random one written to it with mode 600."""
    created = False
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(nbytes))
        os.chmod(temporary, 0o600)  # whatever the umask
        try:
            os.link(temporary, path)
            created = True
        except FileExistsError:  # another process won the race: use its value
            pass
        finally:
            temporary.unlink()
    value = path.read_text().strip()
    if not value:
        raise RuntimeError(f"{path} is empty: delete it and a new value is generated")
    return value, created
