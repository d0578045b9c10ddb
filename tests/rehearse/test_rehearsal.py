"""`mlfleet rehearse` on the real stacks: what `pulumi up` deploys runs and does its job.

Each run builds the images (cached by content), runs the stack's workloads with podman exactly as
the plan says, and checks every promise of the platform (see mlfleet/rehearse/runner.py). Locally a
machine without root or podman skips with the reason; in CI (`CI=true`) that is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlfleet.rehearse.runner import Rehearsal
from mlfleet.rehearse.tools import find_tool
from tests.support import REPO_ROOT

# One stack per cloud, and the Kubernetes-only one.
STACKS = ["local", "dev", "gcp-dev", "azure-dev"]


def _require_runtime() -> None:
    missing = [
        tool for tool in ("podman", "runc", "nsenter", "haproxy", "prometheus") if find_tool(tool) is None
    ]
    reason = None
    if os.geteuid() != 0:
        reason = "the rehearsal runs rootful podman and nsenter: run as root"
    elif missing:
        reason = f"{', '.join(missing)} not installed: run `make tools` (scripts/install-tools.sh)"
    if reason:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.mark.rehearsal
@pytest.mark.integration
# The first run on a machine builds the base image and both app images (about 5-7 minutes here).
@pytest.mark.timeout(2400)
@pytest.mark.parametrize("stack", STACKS)
def test_stack_rehearses_end_to_end(stack: str, tmp_path: Path) -> None:
    _require_runtime()
    report = Rehearsal(REPO_ROOT, stack, workdir=tmp_path).run()
    text = report.render()
    print(text)
    out = REPO_ROOT / ".mlfleet" / "rehearsals"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stack}.txt").write_text(text + "\n")
    assert report.ok, text
    names = [step.name for step in report.steps]
    for expected in (
        "training job",
        "serving ready",
        "authenticated prediction",
        "gRPC inference",
        "hot swap",
    ):
        assert expected in names, text
