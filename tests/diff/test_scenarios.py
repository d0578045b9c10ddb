"""Pull requests as patches (tests/diff/scenarios): each applied in a temporary clone of this
repository, then `mlfleet diff --base-ref HEAD --stack STACK` run against it, exactly as a reviewer
would; the expected summary (counts per action, the protected-resource error and exit code, the
lines that must and must not appear) is in `<name>.yaml`. A `<name>.base.patch` is committed first
(the base branch of that PR), for changes to resources the repository does not have today.

The clone is of HEAD (committed work only), so uncommitted edits in this checkout do not leak in;
the engine is this checkout's. One stack per scenario keeps the suite fast.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = Path(__file__).resolve().parent / "scenarios"
NAMES = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
MLFLEET = [sys.executable, "-m", "mlfleet.cli"]
COUNTED = ("create", "update", "replace", "delete", "mayChange")


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenarios") / "repo"
    git(REPO, "clone", "--quiet", "--shared", str(REPO), str(path))
    git(path, "config", "user.email", "scenarios@example.com")
    git(path, "config", "user.name", "scenarios")
    git(path, "config", "commit.gpgsign", "false")
    git(path, "tag", "scenario-start")  # HEAD as cloned (CI checks out a detached merge commit)
    return path


def apply(clone: Path, patch: Path) -> None:
    proc = subprocess.run(
        ["git", "-C", str(clone), "apply", "--whitespace=nowarn", str(patch)], capture_output=True, text=True
    )
    assert proc.returncode == 0, (
        f"{patch.name} no longer applies (the lines it edits moved): regenerate the patches with"
        f" tests/diff/scenarios/make_patches.py (see its docstring). git: {proc.stderr.strip()}"
    )


def start(clone: Path, name: str) -> None:
    """The clone at the original HEAD, plus the scenario's base commit if it has one."""
    git(clone, "reset", "--quiet", "--hard", "scenario-start")
    git(clone, "clean", "-fdq")
    base = SCENARIOS / f"{name}.base.patch"
    if base.exists():
        apply(clone, base)
        git(clone, "commit", "--quiet", "-am", f"scenario {name}: base")
    apply(clone, SCENARIOS / f"{name}.patch")


def mlfleet(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return subprocess.run([*MLFLEET, *args], capture_output=True, text=True, cwd=cwd, env=env, check=False)


def run_scenario(clone: Path, name: str, spec: dict[str, Any], tmp: Path) -> tuple[int, str, dict[str, int]]:
    """Exit code, rendered output, counts of the scenario's stack."""
    stack = spec["stack"]
    fmt = spec.get("format", "text")
    if spec.get("policy"):
        return run_with_policy(clone, name, stack, tmp)
    out = tmp / f"{name}.{fmt}"
    args = ["diff", "--base-ref", "HEAD", "--cwd", str(clone), "--stack", stack, "--format", fmt]
    proc = mlfleet(*args, "--output", str(out), cwd=clone)
    rendered = (out.read_text() if out.exists() else "") + proc.stderr
    return proc.returncode, rendered, counts_from(rendered, fmt, stack)


def run_with_policy(clone: Path, name: str, stack: str, tmp: Path) -> tuple[int, str, dict[str, int]]:
    """The workflow's way: each side previewed once, the policy checked on both, the diff from plans."""
    base_tree = tmp / f"{name}-base"
    git(clone, "worktree", "add", "--quiet", "--detach", str(base_tree), "HEAD")
    try:
        for side, tree in (("base", base_tree), ("head", clone)):
            proc = mlfleet(
                "preview",
                "--stack",
                stack,
                "--cwd",
                str(tree),
                "--json",
                str(tmp / side / f"{stack}.json"),
                cwd=tree,
            )
            assert proc.returncode == 0, proc.stderr
            mlfleet(
                "policy",
                "check",
                "--plan",
                str(tmp / side),
                "--cwd",
                str(tree),
                "--format",
                "json",
                "--output",
                str(tmp / f"policy-{side}.json"),
                cwd=tree,
            )
    finally:
        git(clone, "worktree", "remove", "--force", str(base_tree))
    out = tmp / f"{name}.md"
    proc = mlfleet(
        "diff",
        "--base",
        str(tmp / "base"),
        "--head",
        str(tmp / "head"),
        "--format",
        "markdown",
        "--policy",
        str(tmp / "policy-head.json"),
        "--base-policy",
        str(tmp / "policy-base.json"),
        "--base-label",
        "origin/main",
        "--head-label",
        "pull request",
        "--output",
        str(out),
        cwd=clone,
    )
    rendered = (out.read_text() if out.exists() else "") + proc.stderr
    return proc.returncode, rendered, counts_from(rendered, "markdown", stack)


def counts_from(rendered: str, fmt: str, stack: str) -> dict[str, int]:
    if fmt == "json":
        (found,) = [
            s for s in json.loads(rendered[: rendered.rindex("}") + 1])["stacks"] if s["stack"] == stack
        ]
        return {k: found["counts"][k] for k in COUNTED}
    if fmt == "markdown":
        row = re.search(rf"^\| `{re.escape(stack)}`[^|]*\|" + r"\s*(\d+)\s*\|" * 5, rendered, re.M)
        assert row, rendered[:2000]
        return dict(zip(COUNTED, map(int, row.groups()), strict=True))
    head = re.search(rf"^== stack {re.escape(stack)}[^:]*: (.*); \d+ unchanged$", rendered, re.M)
    assert head, rendered[:2000]
    phrase = head.group(1)
    words = {
        "create": "to create",
        "update": "to update",
        "replace": "to replace",
        "delete": "to delete",
        "mayChange": "may change",
    }
    return {k: int(m.group(1)) if (m := re.search(rf"(\d+) {w}", phrase)) else 0 for k, w in words.items()}


@pytest.mark.parametrize("name", NAMES)
def test_scenario(clone: Path, name: str, tmp_path: Path) -> None:
    spec = yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text())
    start(clone, name)
    code, rendered, counts = run_scenario(clone, name, spec, tmp_path)
    if os.environ.get("MLFLEET_SCENARIO_DUMP"):
        Path(os.environ["MLFLEET_SCENARIO_DUMP"], f"{name}.out").write_text(
            f"exit {code}\n{counts}\n{rendered}"
        )
    expect = spec["expect"]
    assert code == expect.get("exit", 0), rendered[-3000:]
    assert counts == {k: expect["counts"].get(k, 0) for k in COUNTED}, rendered[-5000:]
    for line in expect.get("lines", []):
        assert line in rendered, f"missing {line!r} in:\n{rendered[-5000:]}"
    for line in expect.get("absent", []):
        assert line not in rendered, f"unexpected {line!r}"
    if "max_chars" in expect:
        assert len(rendered) <= expect["max_chars"]
