"""Session-wide fixtures; the helpers themselves live in tests/support.py."""

from __future__ import annotations

from pathlib import Path

import pytest

# Re-exported for modules that import them from here.
from tests.support import REPO_ROOT, find_tool, free_port, require_tool

__all__ = ["REPO_ROOT", "find_tool", "free_port", "repo_root", "require_tool"]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
