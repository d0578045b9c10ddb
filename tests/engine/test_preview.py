"""The offline preview engine on a small fixture project (`--cwd`) and on the repo's stacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlfleet.cli import app
from mlfleet.engine.errors import PreviewError
from mlfleet.engine.plan import SECRET_MARKER, dumps
from mlfleet.engine.preview import run_preview

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "engine_project"
CIPHERTEXT = "AAABAMBwK8ZlQ0ciphertextmustnotleak1234=="


@pytest.fixture(scope="module")
def plan() -> dict:
    return run_preview(FIXTURE, "ok")


def resource(plan: dict, name: str) -> dict:
    return next(r for r in plan["resources"] if r["name"] == name)


def test_plan_header_and_config(plan: dict) -> None:
    assert (plan["format"], plan["version"], plan["project"], plan["stack"]) == (
        "mlfleet.plan",
        1,
        "enginedemo",
        "ok",
    )
    assert plan["config"]["enginedemo:owner"] == "team-a"
    assert plan["config"]["enginedemo:mode"] == "ok"  # project default applied, as the CLI does
    assert plan["config"]["enginedemo:dbPassword"] == SECRET_MARKER


def test_resources_carry_parent_provider_protect_and_dependencies(plan: dict) -> None:
    stack_urn = "urn:pulumi:ok::enginedemo::pulumi:pulumi:Stack::enginedemo-ok"
    bucket, sse, queue = resource(plan, "data"), resource(plan, "data-sse"), resource(plan, "jobs")
    assert plan["resources"][0]["urn"] == stack_urn
    assert bucket["parent"] == stack_urn and bucket["custom"] is True
    assert sse["parent"] == bucket["urn"]
    assert sse["urn"] == (
        "urn:pulumi:ok::enginedemo::aws:s3/bucket:Bucket$aws:s3/bucketServerSideEncryptionConfiguration:"
        "BucketServerSideEncryptionConfiguration::data-sse"
    )
    assert bucket["provider"].startswith(
        "urn:pulumi:ok::enginedemo::pulumi:pulumi:Stack$pulumi:providers:aws::eu::"
    )
    assert bucket["protect"] is True and queue["protect"] is False
    # implicit (through an Output) vs explicit (depends_on) dependencies
    assert sse["propertyDependencies"] == {"bucket": [bucket["urn"]]}
    assert sse["explicitDependencies"] == []
    assert queue["explicitDependencies"] == [bucket["urn"]]
    assert queue["dependencies"] == [bucket["urn"]]


def test_inputs_are_wire_names_with_integers(plan: dict) -> None:
    queue = resource(plan, "jobs")
    assert queue["inputs"]["maxMessageSize"] == 2048
    assert isinstance(queue["inputs"]["messageRetentionSeconds"], int)
    sse = resource(plan, "data-sse")
    assert sse["inputs"]["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]


def test_mocked_outputs_are_shaped_like_real_ones(plan: dict) -> None:
    assert plan["outputs"]["bucketArn"] == "arn:aws:s3:::enginedemo-ok-data"
    assert plan["outputs"]["arnLooksReal"] is True
    assert plan["outputs"]["replicas"] == 3


def test_secrets_are_markers_never_values(plan: dict) -> None:
    assert plan["outputs"]["password"] == SECRET_MARKER
    assert plan["outputs"]["configSecret"] == SECRET_MARKER
    assert resource(plan, "db")["outputs"]["result"] == SECRET_MARKER


def test_secret_values_appear_nowhere_in_json_or_text(tmp_path: Path) -> None:
    from mlfleet.engine.mocks import PlanMocks

    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["preview", "--cwd", str(FIXTURE), "--stack", "ok", "--json", str(out)])
    assert result.exit_code == 0, result.output
    text = result.output + out.read_text()
    # the mocked RandomPassword value, recomputed the way the mocks compute it
    _, state = PlanMocks()._random("random:index/randomPassword:RandomPassword", "db", {"length": 24}, {})
    for leaked in (CIPHERTEXT, state["result"]):
        assert leaked not in text
    assert "[secret]" in result.output


def test_two_runs_are_byte_identical() -> None:
    assert dumps(run_preview(FIXTURE, "ok")) == dumps(run_preview(FIXTURE, "ok"))


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        ("typo", ["stacks/Pulumi.typo.yaml", "enginedemo:replcas", "Did you mean 'enginedemo:replicas'"]),
        ("missing", ["stacks/Pulumi.missing.yaml", "enginedemo:owner", "pulumi config set enginedemo:owner"]),
        ("badtype", ["stacks/Pulumi.badtype.yaml", "enginedemo:replicas", "must be of type integer"]),
        ("raises", ["the program raised RuntimeError: the program failed on purpose", "__main__.py:13"]),
        (
            "snake",
            ["data-sse", "rules[0].apply_sse_default", "untranslated"],
        ),
        ("nosuchstack", ["stacks/Pulumi.nosuchstack.yaml does not exist", "ok"]),
    ],
)
def test_fidelity_errors_name_stack_and_place(stack: str, expected: list[str]) -> None:
    with pytest.raises(PreviewError) as info:
        run_preview(FIXTURE, stack)
    message = str(info.value)
    assert message.startswith(f"stack '{stack}': ")
    for fragment in expected:
        assert fragment in message


def test_user_map_keys_are_not_flagged(plan: dict) -> None:
    assert resource(plan, "data")["inputs"]["tags"]["snake_case_tag"]


def test_cli_errors_are_clean_and_exit_nonzero() -> None:
    result = CliRunner().invoke(app, ["preview", "--cwd", str(FIXTURE), "--stack", "raises"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "stack 'raises': the program raised RuntimeError" in result.output


def test_cli_requires_exactly_one_of_stack_or_all() -> None:
    result = CliRunner().invoke(app, ["preview", "--cwd", str(FIXTURE)])
    assert result.exit_code == 2


def test_cli_prints_tree_counts_and_outputs() -> None:
    result = CliRunner().invoke(app, ["preview", "--cwd", str(FIXTURE), "--stack", "ok"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    bucket_line = next(line for line in lines if " data " in line + " ")
    sse_line = next(line for line in lines if "data-sse" in line)
    # the child is indented deeper than its parent
    assert sse_line.index("└─") > bucket_line.index("└─")
    assert "+ 6 to create" in result.output
    assert "password    : [secret]" in result.output
    assert "previewed 1 stack(s) in" in result.output


def test_all_writes_one_plan_per_stack(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["preview", "--cwd", str(FIXTURE), "--all", "--quiet", "--json", str(tmp_path)]
    )
    assert result.exit_code == 1  # the fixture has deliberately broken stacks
    assert json.loads((tmp_path / "ok.json").read_text())["stack"] == "ok"
    assert not (tmp_path / "typo.json").exists()


def test_a_program_runs_after_asyncio_run_closed_the_loop() -> None:
    """asyncio.run() leaves the main thread without a current loop (Python 3.11); the engine must not
    depend on one being there (tests and tools that used asyncio before previewing broke 80 tests)."""
    import asyncio

    from mlfleet.engine.harness import run_program

    asyncio.run(asyncio.sleep(0))

    def program() -> None:
        import pulumi

        pulumi.export("ok", 1)

    assert run_program(program).outputs["ok"] == 1
