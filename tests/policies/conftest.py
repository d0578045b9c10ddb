"""One policy pack process per test worker, started like the CLI does (subprocess + gRPC)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlfleet.policycheck.analyzer import PolicyPackProcess

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture(scope="session")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(PACK_DIR, project="p", stack="dev") as proc:
        yield proc
