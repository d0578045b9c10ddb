"""scripts/drift_issue.py keeps one issue per drifted stack. It runs as the workflow runs it (a
subprocess), against a fake `gh` on PATH that records each call and answers `issue list` from a
file: what is under test is our script's decisions and the gh calls it makes, not gh."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "drift_issue.py"
FAKE_GH = """#!{python}
import json, os, sys
call = {{"argv": sys.argv[1:], "stdin": None if sys.stdin.isatty() else sys.stdin.read()}}
with open(os.environ["FAKE_GH_LOG"], "a") as log:
    log.write(json.dumps(call) + "\\n")
if sys.argv[1:3] == ["issue", "list"]:
    print(open(os.environ["FAKE_GH_ISSUES"]).read())
"""
URN = "urn:pulumi:prod::mlfleet::mlfleet:aws:ModelBucket$aws:s3/bucket:Bucket::mlfleet-prod-models"
DRIFTED = {"steps": [{"op": "update", "urn": URN}, {"op": "same", "urn": "urn:x::y::z"}], "changeSummary": {}}
CLEAN = {"changeSummary": {"same": 160}}
MARKER = "<!-- mlfleet-drift stack=prod -->"


def issue(number: int, stack: str = "prod", body: str | None = None) -> dict[str, Any]:
    marker = f"<!-- mlfleet-drift stack={stack} -->"
    return {"number": number, "title": f"Drift: stack {stack}", "body": body if body is not None else marker}


@pytest.fixture
def run(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable))
    gh.chmod(0o755)
    log = tmp_path / "gh.jsonl"

    def run(preview: Any, issues: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]], str]:
        (tmp_path / "issues.json").write_text(json.dumps(issues))
        result = tmp_path / "preview.json"
        result.write_text(preview if isinstance(preview, str) else json.dumps(preview))
        log.write_text("")
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_GH_LOG": str(log),
            "FAKE_GH_ISSUES": str(tmp_path / "issues.json"),
        }
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "--stack", "prod", "--preview", str(result), "--run-url", "RUN"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        calls = [json.loads(line) for line in log.read_text().splitlines()]
        return done.returncode, calls, done.stderr

    return run


def writes(calls: list[dict[str, Any]]) -> list[list[str]]:
    return [c["argv"][:3] for c in calls if c["argv"][:2] != ["issue", "list"]]


def test_drift_without_an_issue_opens_one(run) -> None:
    code, calls, _ = run(DRIFTED, [])
    assert code == 3
    listing = calls[0]["argv"]
    assert listing[:2] == ["issue", "list"] and ["--label", "drift"] == listing[2:4]
    assert listing[listing.index("--author") + 1] == "app/github-actions"
    (create,) = [c for c in calls if c["argv"][:2] == ["issue", "create"]]
    assert create["argv"][create["argv"].index("--title") + 1] == "Drift: stack prod"
    assert create["argv"][create["argv"].index("--label") + 1] == "drift"
    assert MARKER in create["stdin"] and "mlfleet-prod-models" in create["stdin"] and "RUN" in create["stdin"]
    assert "aws:s3/bucket:Bucket" in create["stdin"] and "urn:x" not in create["stdin"]  # same: not drift
    assert not any(c["argv"][:2] in (["issue", "close"], ["issue", "edit"]) for c in calls)


def test_drift_with_an_issue_updates_it_and_opens_no_second(run) -> None:
    code, calls, _ = run(DRIFTED, [issue(7)])
    assert code == 3
    assert writes(calls) == [["issue", "edit", "7"], ["issue", "comment", "7"]]
    assert "mlfleet-prod-models" in calls[1]["stdin"]


def test_clean_closes_the_open_issue(run) -> None:
    code, calls, _ = run(CLEAN, [issue(7)])
    assert code == 0
    assert writes(calls) == [["issue", "close", "7"]]
    assert "clean again" in calls[1]["argv"][-1]


def test_clean_without_an_issue_changes_nothing(run) -> None:
    code, calls, _ = run(CLEAN, [])
    assert code == 0 and writes(calls) == []


def test_issues_of_other_stacks_and_without_the_marker_are_left_alone(run) -> None:
    """Same title typed by a person (no marker), another stack's issue: neither is closed or edited."""
    code, calls, _ = run(CLEAN, [issue(3, "staging"), issue(4, body="Drift: stack prod, hand-written")])
    assert code == 0 and writes(calls) == []
    code, calls, _ = run(DRIFTED, [issue(3, "staging")])
    assert [w[:2] for w in writes(calls)] == [["label", "create"], ["issue", "create"]]


def test_duplicates_are_folded_into_the_oldest(run) -> None:
    code, calls, _ = run(DRIFTED, [issue(12), issue(9)])
    assert code == 3
    assert writes(calls) == [["issue", "edit", "9"], ["issue", "comment", "9"], ["issue", "close", "12"]]


@pytest.mark.parametrize("preview", ["", "error: preview failed", json.dumps({"config": {}})])
def test_a_failed_preview_is_not_drift(run, preview: str) -> None:
    code, calls, stderr = run(preview, [issue(7)])
    assert code == 2 and calls == []
    assert stderr.count("\n") == 1 and "no issue changed" in stderr
