"""Shared test helpers (import them as `from tests.support import ...`; a bare `conftest` import
would resolve to whichever conftest.py pytest loaded last).

Real local tools (promtool, haproxy, azurite, ...) are installed by `make test`. Locally a missing
tool skips its tests with the install command; in CI (`CI=true`) it is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS_BIN = REPO_ROOT / ".tools" / "node" / "bin"


def find_tool(name: str) -> str | None:
    """Return the path of a tool installed by scripts/install-tools.sh, or None."""
    local = TOOLS_BIN / name
    if local.exists():
        return str(local)
    return shutil.which(name)


def require_tool(name: str) -> str:
    """The path of `name`; skip (locally) or fail (CI) when it is not installed."""
    path = find_tool(name)
    if path is None:
        message = f"{name} is not installed; run `make tools` (scripts/install-tools.sh)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (servers in tests bind to loopback only)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
