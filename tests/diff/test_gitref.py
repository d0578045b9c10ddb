"""`mlfleet diff --base-ref`: the stacks at a git ref, previewed in a temporary worktree, against the
working tree; on a throwaway git repository made from tests/fixtures/engine_project."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlfleet.cli import app

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "engine_project"
CIPHERTEXT = "AAABAMBwK8ZlQ0ciphertextmustnotleak1234=="


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The fixture project committed in a fresh repo (the project in a subdirectory, like a monorepo)."""
    if shutil.which("git") is None:
        pytest.fail("git is required for --base-ref")
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root / "infra")
    git(root, "init", "--quiet", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "base")
    return root


def diff(*args: str):
    return CliRunner().invoke(app, ["diff", *args])


def test_base_ref_diff_against_the_working_tree(repo: Path) -> None:
    project = repo / "infra"
    stack_file = project / "stacks" / "Pulumi.ok.yaml"
    stack_file.write_text(stack_file.read_text().replace("enginedemo:replicas: 3", "enginedemo:replicas: 5"))
    main = project / "__main__.py"
    main.write_text(main.read_text().replace('"sseAlgorithm": "aws:kms"', '"sseAlgorithm": "AES256"'))
    result = diff("--base-ref", "main", "--cwd", str(project), "--stack", "ok", "--format", "json")
    assert result.exit_code == 0, result.output
    (stack,) = json.loads(result.stdout)["stacks"]
    assert stack["stack"] == "ok" and stack["status"] == "changed"
    changes = {
        (r["name"], p["path"]): (p["old"], p["new"]) for r in stack["resources"] for p in r["properties"]
    }
    assert changes == {
        ("jobs", "messageRetentionSeconds"): ("10800", "18000"),
        ("data-sse", "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"): ('"aws:kms"', '"AES256"'),
    }
    assert {(o["path"], o["old"], o["new"]) for o in stack["outputs"]} == {("replicas", "3", "5")}
    assert CIPHERTEXT not in result.output
    # the temporary worktree is gone
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_no_change_and_a_new_stack(repo: Path) -> None:
    project = repo / "infra"
    shutil.copy(project / "stacks" / "Pulumi.ok.yaml", project / "stacks" / "Pulumi.extra.yaml")
    result = diff("--base-ref", "HEAD", "-C", str(project), "-s", "ok", "-s", "extra", "-f", "markdown")
    assert result.exit_code == 0, result.output
    assert "| `extra` (new stack) | 6 | 0 | 0 | 0 | 0 | 0 | 5 | 4 |" in result.stdout
    assert "| `ok` | 0 | 0 | 0 | 0 | 0 | 6 | 0 | 0 |" in result.stdout
    assert CIPHERTEXT not in result.stdout


def test_failing_stacks_and_bad_refs_are_clean_errors(repo: Path, tmp_path: Path) -> None:
    project = repo / "infra"
    result = diff("--base-ref", "no-such-branch", "-C", str(project), "-s", "ok")
    assert result.exit_code == 2
    assert "unknown git ref 'no-such-branch'" in result.output
    result = diff("--base-ref", "main", "-C", str(project), "-s", "raises")
    assert result.exit_code == 2
    assert "working tree: 1 stack(s) failed to preview" in result.output
    assert "the program failed on purpose" in result.output
    plain = tmp_path / "plain"
    shutil.copytree(FIXTURE, plain)
    result = diff("--base-ref", "main", "-C", str(plain), "-s", "ok")
    assert result.exit_code == 2 and "is not inside a git checkout" in result.output
    assert "Traceback" not in result.output
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
