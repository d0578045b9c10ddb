"""`mlfleet diff` on plan files and directories: formats, exit codes, clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlfleet.cli import app
from mlfleet.engine.plan import dumps
from tests.diff.plans import base_and_head, plan


@pytest.fixture
def plan_dirs(tmp_path: Path) -> tuple[Path, Path]:
    base, head = base_and_head()
    for side, dev in (("base", base), ("head", head)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "dev.json").write_text(dumps(dev))
        (tmp_path / side / "prod.json").write_text(dumps(plan("prod")))
    return tmp_path / "base", tmp_path / "head"


def run(*args: str):
    return CliRunner().invoke(app, ["diff", *args])


def test_directories_text(plan_dirs: tuple[Path, Path]) -> None:
    base, head = plan_dirs
    result = run("--base", str(base), "--head", str(head))
    assert result.exit_code == 0, result.output
    assert "== stack dev: 1 to create, 3 to update, 1 to delete" in result.stdout
    assert "== stack prod: no changes" in result.stdout


def test_single_files_and_stack_filter(plan_dirs: tuple[Path, Path]) -> None:
    base, head = plan_dirs
    result = run("--base", str(base / "dev.json"), "--head", str(head / "dev.json"), "-f", "json")
    assert result.exit_code == 0
    assert [s["stack"] for s in json.loads(result.stdout)["stacks"]] == ["dev"]
    result = run("--base", str(base), "--head", str(head), "--stack", "prod", "-f", "json")
    assert [s["stack"] for s in json.loads(result.stdout)["stacks"]] == ["prod"]
    result = run("--base", str(base), "--head", str(head), "--stack", "nope")
    assert (
        result.exit_code == 2
        and "no plan for stack(s) nope on either side (stacks: dev, prod)" in result.output
    )


def test_markdown_to_file_with_policy(plan_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    base, head = plan_dirs
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps({"stacks": [{"stack": "dev", "resources": 5, "mandatory": 0, "advisory": 0}]})
    )
    out = tmp_path / "comment" / "diff.md"
    result = run(
        "--base",
        str(base),
        "--head",
        str(head),
        "--format",
        "markdown",
        "-o",
        str(out),
        "--policy",
        str(policy),
    )
    assert result.exit_code == 0, result.output
    comment = out.read_text()
    assert (
        comment.startswith("<!-- mlfleet-diff -->\n")
        and "#### Policies: ✅ no mandatory violations" in comment
    )


def test_fail_on_changes(plan_dirs: tuple[Path, Path]) -> None:
    base, head = plan_dirs
    assert run("--base", str(base), "--head", str(head), "--fail-on-changes").exit_code == 1
    assert run("--base", str(base), "--head", str(base), "--fail-on-changes").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "pass exactly one of --base PLAN_OR_DIR or --base-ref REF"),
        (["--base", "a", "--base-ref", "main"], "pass exactly one of --base"),
        (["--base", "a"], "--base needs --head"),
        (["--base", "a", "--head", "b", "-f", "html"], "--format 'html' is not one of text, markdown, json"),
        (["--base", "missing.json", "--head", "b"], "missing.json: no such plan or directory"),
    ],
)
def test_usage_errors_are_clean(args: list[str], message: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_version_mismatch_is_clean(plan_dirs: tuple[Path, Path]) -> None:
    base, head = plan_dirs
    newer = json.loads((head / "dev.json").read_text()) | {"version": 2}
    (head / "dev.json").write_text(json.dumps(newer))
    result = run("--base", str(base), "--head", str(head))
    assert result.exit_code == 2
    assert (
        f"error: {head / 'dev.json'}: plan format version 2, but this mlfleet reads version 1"
        in result.output
    )
