"""The GitHub workflows (.github/workflows): linted by actionlint, `zizmor --offline` and yamllint
(all three installed from the lock), and held to the rules docs/pr-diffs.md states: actions pinned
to commit SHAs, least-privilege permissions, `pull_request` only, and mlfleet invocations the CLI
accepts."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mlfleet.cli import app

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
DEPENDABOT = REPO / ".github" / "dependabot.yml"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(
            f"{name} is not installed; run `uv sync --frozen --all-packages` (it is in the dev group)"
        )
    return str(path)


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the `on:` key as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_there_are_workflows() -> None:
    assert {p.name for p in FILES} >= {"ci.yml", "preview.yml"}


@pytest.mark.parametrize(
    "command",
    [
        ["actionlint"],
        ["zizmor", "--offline", "--no-progress"],
        ["yamllint", "-s"],
    ],
    ids=["actionlint", "zizmor", "yamllint"],
)
def test_linters_pass(command: list[str]) -> None:
    targets = [str(p) for p in FILES] if command[0] == "actionlint" else [str(WORKFLOWS), str(DEPENDABOT)]
    proc = subprocess.run(
        [tool(command[0]), *command[1:], *targets], capture_output=True, text=True, cwd=REPO
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_linters_catch_a_bad_workflow(tmp_path: Path) -> None:
    """The linters are really looking: an unpinned, template-injecting pull_request_target workflow fails."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "name: bad\n"
        "on: pull_request_target\n"
        "jobs:\n"
        "  x:\n"
        "    runs-on: ubuntu-24.04\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
        "      - run: echo ${{ steps.nope.outputs.x }}\n"
    )
    zizmor = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", str(bad)], capture_output=True, text=True
    )
    assert zizmor.returncode != 0
    for audit in ("dangerous-triggers", "template-injection", "unpinned-uses"):
        assert audit in zizmor.stdout, zizmor.stdout
    actionlint = subprocess.run([tool("actionlint"), str(bad)], capture_output=True, text=True)
    assert actionlint.returncode != 0 and "steps.nope" in actionlint.stdout


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_pinned_least_privilege_pull_request_only(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}, "grant permissions per job, none at the top"
    assert "pull_request_target" not in workflow["on"] and "workflow_run" not in workflow["on"]
    for step in steps(workflow):
        uses = step.get("uses")
        if uses and not uses.startswith("./"):
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), f"{uses}: pin to a full commit SHA"
            # the tag the SHA was resolved from, for the reader (and Dependabot keeps it current)
            assert re.search(rf"{re.escape(uses)}\s+# v\d+\.\d+\.\d+\n", path.read_text()), uses
        if "checkout" in (uses or ""):
            assert step["with"]["persist-credentials"] is False
    for job in workflow["jobs"].values():
        assert "write-all" not in str(job.get("permissions"))


def test_preview_workflow_shape() -> None:
    workflow = load(WORKFLOWS / "preview.yml")
    assert set(workflow["jobs"]) == {"cloud-preview", "preview"}
    job = workflow["jobs"]["preview"]
    assert job["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "security-events": "write",
        "actions": "read",
    }
    by_name = {step.get("name") or step.get("uses"): step for step in steps(workflow)}
    runs = "\n".join(step.get("run", "") for step in steps(workflow))
    # each side is previewed once; the policy checks and the diff read those plans
    assert (
        runs.count("mlfleet preview --all") == 2
        and "--json plans/head" in runs
        and "--json plans/base" in runs
    )
    assert "--base-ref" not in runs and "policy check --all" not in runs
    assert "policy check --plan plans/head --format sarif" in runs
    assert "policy check --plan plans/head --format json" in runs
    assert "--base-policy plans/policy-base.json" in runs
    assert '--head-sha "$HEAD_SHA" --run-url "$RUN_URL"' in runs
    sticky = next(step for name, step in by_name.items() if name and name.startswith("Sticky PR comment"))
    assert sticky["if"].startswith("always()")  # also when the preview failed: the comment says so
    assert "The preview failed" in sticky["run"]
    assert 'select(.user.login == "github-actions[bot]")' in sticky["run"]  # marker AND author
    assert 'startswith("<!-- mlfleet-diff -->")' in sticky["run"]
    sarif = next(step for step in steps(workflow) if "codeql-action/upload-sarif@" in step.get("uses", ""))
    assert sarif["continue-on-error"] is True  # repositories without code scanning
    assert any("actions/upload-artifact@" in step.get("uses", "") for step in steps(workflow))
    # The offline preview and the comment run without any secret or cloud credential (forks too).
    assert "secrets." not in yaml.safe_dump(job) and "id-token" not in job["permissions"]
    assert job["needs"] == "cloud-preview" and job["if"] == "${{ !cancelled() }}"
    assert "--cloud-previews plans/cloud-previews" in runs


def test_credentialed_previews_run_only_for_same_repository_prs_with_the_read_only_identity() -> None:
    """docs/delivery.md "Credentialed previews": the drift identities (read-only) through the `drift`
    environment's OIDC subject, the stacks and roles of drift.yml, only the Pulumi token as a secret."""
    workflow = load(WORKFLOWS / "preview.yml")
    job = workflow["jobs"]["cloud-preview"]
    assert job["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert job["environment"] == "drift"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    drift = load(WORKFLOWS / "drift.yml")["jobs"]["drift"]
    # Every stack drift.yml checks, each with exactly its identity.
    assert job["strategy"]["matrix"]["include"] == drift["strategy"]["matrix"]["include"]
    text = yaml.safe_dump(job)
    assert set(re.findall(r"secrets\.(\w+)", text)) == {"PULUMI_ACCESS_TOKEN"}
    assert "DEPLOYER" not in text and "-id-deployer" not in text  # never the deployers
    run = "\n".join(step.get("run", "") for step in job["steps"])
    assert "pulumi preview --stack" in run and "--diff" in run and "pulumi up" not in run


def test_dependabot_updates_actions_and_uv() -> None:
    config = yaml.safe_load(DEPENDABOT.read_text())
    assert config["version"] == 2
    ecosystems = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(ecosystems) == {"github-actions", "uv"}
    assert all(u["directory"] == "/" and u["schedule"]["interval"] for u in ecosystems.values())


def mlfleet_invocations() -> list[list[str]]:
    out = []
    for path in FILES:
        for step in steps(load(path)):
            for command in re.split(r"\n(?=\S)", step.get("run", "").replace("\\\n", " ")):
                if not re.search(r"\bmlfleet\s", command):
                    continue  # shell around the commands (comments, echo) is not ours to parse
                words = shlex.split(command.replace("\n", " "))
                if "mlfleet" in words:
                    out.append(words[words.index("mlfleet") + 1 :])
    return out


def test_workflow_mlfleet_commands_exist() -> None:
    """Every `mlfleet ...` line in a workflow names a real command, with options that command has."""
    invocations = mlfleet_invocations()
    assert len(invocations) >= 4
    for args in invocations:
        path = []
        for word in args:
            if word.startswith("-"):
                break
            path.append(word)
        result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
        assert result.exit_code == 0, (args, result.output)
        for option in (w.split("=", 1)[0] for w in args if w.startswith("--")):
            assert re.search(rf"{re.escape(option)}\b", result.output), (
                f"mlfleet {' '.join(path)}: no {option}"
            )
