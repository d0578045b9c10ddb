"""`mlfleet release start`: the exact `pulumi` commands that set a stack's canary, and the gate
refusing versions that did not pass it against today's production (exit 3, nothing moved); and
`mlfleet release rollback` by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlfleet_registry import open_registry
from mlfleet_serving.reference_model import publish_reference_model, reference_data
from sklearn.dummy import DummyClassifier
from typer.testing import CliRunner

from mlfleet.cli import app
from tests.release.stage import MODEL, publish_gated
from tests.support import free_port


@pytest.fixture
def registry(tmp_path: Path) -> str:
    url = str(tmp_path / "registry")
    publish_reference_model(url, MODEL, n_estimators=5, seed=1)  # production v0001
    return url


def _dummy() -> DummyClassifier:
    x, y, _ = reference_data()
    return DummyClassifier(strategy="prior").fit(x, y)


def test_start_on_a_stack_prints_the_pulumi_commands_and_moves_candidate(registry: str) -> None:
    version = publish_gated(registry, _dummy())
    result = CliRunner().invoke(
        app, ["release", "start", MODEL, "--version", version, "--stack", "prod", "--registry", registry]
    )
    assert result.exit_code == 0, result.output
    assert (
        "run: pulumi config set --path mlfleet:serving.canary.alias candidate --stack prod\n"
        "run: pulumi config set --path mlfleet:serving.canary.weight 0.1 --stack prod\n"
        "run: pulumi up --stack prod --yes --diff --policy-pack policies "
        "--policy-pack-config policies/config/prod.json\n"
    ) in result.output
    assert open_registry(registry).aliases(MODEL) == {"production": "v0001", "candidate": version}


def test_the_gate_refuses_ungated_and_stale_versions(registry: str) -> None:
    reg = open_registry(registry)
    ungated = publish_reference_model(registry, MODEL, alias=None, model=_dummy())
    stale = publish_gated(registry, _dummy())  # gated against v0001 ...
    reg.set_alias(MODEL, "production", ungated, actor="test", reason="production moved")  # ... which moved
    for version, why in ((ungated, "has no passed gate"), (stale, "was gated against v0001")):
        result = CliRunner().invoke(
            app, ["release", "start", MODEL, "--version", version, "--registry", registry]
        )
        assert result.exit_code == 3, result.output
        assert why in result.output
        assert "Traceback" not in result.output
    assert "candidate" not in reg.aliases(MODEL)


def test_without_a_verdict_the_canary_is_withdrawn(registry: str) -> None:
    """Prometheus unreachable after the canary was set: exit 1, one line, `candidate` back on production."""
    version = publish_gated(registry, _dummy())
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    argv = ["release", "run", MODEL, "--version", version, "--registry", registry, "--prometheus", closed]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert f"cannot reach Prometheus at {closed}" in result.output
    assert f"rolled back: candidate -> v0001 (was {version})" in result.output
    assert "Traceback" not in result.output
    assert open_registry(registry).aliases(MODEL)["candidate"] == "v0001"


def test_rollback_by_hand_twice_and_without_production(registry: str) -> None:
    """`release rollback MODEL V`: `candidate` back on production's version, weight 0 printed for the
    stack; run again (a retried runbook step), it moves nothing and still sets the weight to 0."""
    version = publish_gated(registry, _dummy())
    open_registry(registry).set_alias(MODEL, "candidate", version, actor="test", reason="canary")
    argv = [
        "release",
        "rollback",
        MODEL,
        version,
        "--reason",
        "by hand",
        "--stack",
        "prod",
        "--registry",
        registry,
    ]
    first = CliRunner().invoke(app, argv)
    assert first.exit_code == 0, first.output
    assert f"rolled back: candidate -> v0001 (was {version})" in first.output
    assert "run: pulumi config set --path mlfleet:serving.canary.weight 0 --stack prod" in first.output
    second = CliRunner().invoke(app, argv)
    assert second.exit_code == 0, second.output
    assert "nothing to roll back" in second.output
    assert "mlfleet:serving.canary.weight 0" in second.output
    history = open_registry(registry).alias_history(MODEL, "candidate")
    assert [h["event"] for h in history] == ["promote", "rollback"]
    assert history[-1]["reason"] == f"release rollback of {version}: by hand"
