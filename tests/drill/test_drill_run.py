"""The failover drill, run for real on the quick profile (staging-global's 30 s x 3 checks scaled to
1 s x 3): two serving replicas on moto S3 and fake-gcs-server, the sync between them, haproxy from the
stack's front door, steady load. The figures must agree with what the config says, and nothing the
drill started may outlive it, also when it is interrupted."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from mlfleet.drill.figures import Report
from mlfleet.drill.runner import Drill
from mlfleet.drill.stack import read_stack
from mlfleet.drill.timing import ALIAS_MAX_AGE_SECONDS, Timing
from mlfleet.rehearse.tools import find_tool
from tests.support import REPO_ROOT, require_tool

pytestmark = pytest.mark.integration


def children() -> set[int]:
    """Live (non-zombie) child processes of this process."""
    pids: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        pids.update(int(p) for p in (task / "children").read_text().split())
    return {
        p
        for p in pids
        if Path(f"/proc/{p}/stat").exists() and ") Z" not in Path(f"/proc/{p}/stat").read_text()
    }


def drill_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("mlfleet-drill-*")}


def test_quick_drill_on_staging_global() -> None:
    """One drill, every figure checked (one test, not a module fixture: pytest-xdist would run a
    module fixture once per worker that gets one of its tests)."""
    find_tool("haproxy") or require_tool("haproxy")
    stack = read_stack("staging-global", REPO_ROOT)
    before_children, before_dirs = children(), drill_dirs()
    started = time.monotonic()

    def say(line: str) -> None:
        print(f"[drill +{time.monotonic() - started:5.1f} s] {line}")

    report = Drill(stack, Timing.for_interval(stack.door.interval, quick=True), say).run()
    print(report.render())  # the figures, in the test log (pytest -s)
    assert children() <= before_children, "the drill left processes running"
    assert drill_dirs() <= before_dirs, "the drill left its temporary directory"
    check_killed_server(report)
    check_unreachable_registry(report)
    check_broken_version(report)
    check_model_rpo(report)


def check_killed_server(report: Report) -> None:
    kill = report.scenarios[0]
    expected = report.interval * report.failure_threshold
    assert kill.detection is not None
    # A check comes at most one interval after the fault: detection lies between (threshold - 1) and
    # threshold intervals (slack for polling and a loaded machine: half an interval below, one above).
    low, high = expected - 1.5 * report.interval, expected + report.interval
    assert low <= kill.detection <= high, report.render()
    assert kill.failed > 0, report.render()  # active-active, no retries: the killed cell's share fails
    assert kill.rto is not None and kill.rto <= kill.detection + report.interval, report.render()
    assert kill.failback is not None, report.render()
    # Back in rotation only when ready: no request the door sent to a cell failed during failback
    # (requests that got no answer at all, on a loaded machine, are reported but not held against it).
    assert all(kind.startswith("-:") for kind in kill.failback_failures), report.render()


def check_unreachable_registry(report: Report) -> None:
    cut = report.scenarios[1]
    assert cut.detection is not None and cut.failback is not None, report.render()
    # Not-ready once the alias is ALIAS_MAX_AGE old (the last read was at most one poll before the cut).
    assert cut.detection >= ALIAS_MAX_AGE_SECONDS - 10, report.render()
    # The replica kept answering with its verified model while leaving the rotation.
    assert cut.failed == 0, report.render()


def check_broken_version(report: Report) -> None:
    broken = report.scenarios[2]
    assert broken.detection is not None and broken.failed == 0, report.render()
    assert "refused by the replica" in broken.outcome and "door took it out" not in broken.outcome
    assert "sync did not copy it" in broken.outcome, report.render()


def check_model_rpo(report: Report) -> None:
    assert report.rpo is not None and report.sync_lag is not None
    assert report.rpo <= report.expected_rpo + 2 * report.scale, report.render()  # 2 quick seconds of slack


def test_interrupted_drill_stops_what_it_started() -> None:
    find_tool("haproxy") or require_tool("haproxy")
    stack = read_stack("staging-global", REPO_ROOT)
    before_children, before_dirs = children(), drill_dirs()

    def interrupt(line: str) -> None:
        if line.startswith("training the model once"):
            raise KeyboardInterrupt  # Ctrl-C with both emulators running and the environment set

    with pytest.raises(KeyboardInterrupt):
        Drill(stack, Timing.for_interval(stack.door.interval, quick=True), interrupt).run()
    assert children() <= before_children
    assert drill_dirs() <= before_dirs
    assert "MLFLEET_SIGNING_KEY" not in os.environ  # the drill's environment is restored
