"""The trainer checks its whole config (scikit-learn's own parameter validation, the gate metric
against the task, the registry names, the gate's `against` alias) before any data is read, so a
failing run publishes nothing; and its promotion compares-and-swaps against the incumbent its gate
judged (re-gating, or stopping with exit code 3, when production moved meanwhile)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mlfleet_registry import Registry, open_registry
from mlfleet_trainer import gate as gate_module
from mlfleet_trainer.config import TrainConfig, load_config, load_effective_config
from mlfleet_trainer.errors import NotPromoted, TrainerError
from mlfleet_trainer.run import train
from typer.testing import CliRunner

from mlfleet.cli import app

FAST = {"n_estimators": 5}
WEAK = {"n_estimators": 1, "max_depth": 1}


def quiet(_: str) -> None:
    return None


def refuse_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to load data fails the test: the config must be refused before it."""

    def refuse(*_: Any) -> None:
        raise AssertionError("data was read before the config was validated")

    monkeypatch.setattr("mlfleet_trainer.data.load_frame", refuse)


@pytest.fixture
def no_data_read(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_data(monkeypatch)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"params": {"n_estimators": -1}}, r"params of RandomForestClassifier: The 'n_estimators' parameter"),
        ({"params": {"criterion": "ginny"}}, r"The 'criterion' parameter of RandomForestClassifier must be"),
        ({"params": {"max_depth": "deep"}}, r"'max_depth' parameter"),
        (
            {"estimator": "Ridge", "task": "regression", "gate": {"metric": "r2"}, "params": {"alpha": -2}},
            "alpha",
        ),
        ({"search": {"param_grid": {"max_depth": [2, -3]}}}, r"search.param_grid.max_depth=-3: .*max_depth"),
        ({"search": {"param_grid": {"depth": [2]}}}, r"search.param_grid: .* no parameter\(s\) \['depth'\]"),
    ],
)
def test_estimator_parameters_are_checked_before_data(
    tmp_path: Path, no_data_read: None, config: dict[str, Any], message: str
) -> None:
    registry = open_registry(str(tmp_path / "reg"))
    with pytest.raises(TrainerError, match=message):
        train(TrainConfig.model_validate(config), registry, say=quiet)
    assert not (tmp_path / "reg").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gate: {metric: roc-auc}", r"gate.metric 'roc-auc' is not computed for task classification; choose"),
        ("task: regression\nestimator: Ridge", r"gate.metric 'roc_auc' is not computed for task regression"),
        ("promote_to: Prod/x", r"promote_to: invalid alias 'Prod/x'"),
        ("promote_to: v0002", r"promote_to: invalid alias 'v0002'"),
        ("model_name: ../other", r"model_name: invalid model name '../other'"),
        ('gate: {against: "production\\n"}', r"gate.against: invalid alias 'production\\n'"),
    ],
)
def test_config_grammar_and_gate_metric(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text + "\n")
    with pytest.raises(TrainerError, match=message):
        load_config(str(path))


def test_model_override_is_checked() -> None:
    with pytest.raises(TrainerError, match=r"MLFLEET_MODEL: invalid model name 'a/b'"):
        load_effective_config(None, {"MLFLEET_MODEL": "a/b"})


def published(tmp_path: Path, params: dict[str, Any] = FAST, **config: Any) -> Registry:
    registry = open_registry(str(tmp_path / "reg"))
    train(TrainConfig(model_name="demo", params=params, **config), registry, say=quiet)
    return registry


def test_gate_alias_must_exist_unless_first_run_or_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = published(tmp_path)  # first run: no production yet, the gate passes
    assert registry.aliases("demo") == {"production": "v0001"}
    refuse_data(monkeypatch)
    typo = TrainConfig(model_name="demo", params=FAST, gate={"against": "prodution"})
    with pytest.raises(
        TrainerError, match=r"no alias 'prodution' to compare with \(aliases: production; it has 1"
    ):
        train(typo, registry, say=quiet)
    first = TrainConfig(model_name="fresh", params=FAST, gate={"if_missing": "error"})
    with pytest.raises(TrainerError, match=r"model 'fresh' has no alias 'production'.*if_missing: error"):
        train(first, registry, say=quiet)
    assert registry.list_versions("demo") == ["v0001"] and registry.list_versions("fresh") == []


def test_gate_may_explicitly_pass_without_an_incumbent(tmp_path: Path) -> None:
    registry = published(tmp_path, promote_to=None)  # a version, but no production alias
    config = TrainConfig(model_name="demo", params=FAST, gate={"if_missing": "pass"})
    result = train(config, registry, say=quiet)
    assert result.gate["passed"] and registry.aliases("demo") == {"production": "v0002"}


def move_production_during_gate(
    monkeypatch: pytest.MonkeyPatch, registry: Registry, params: dict[str, Any]
) -> None:
    """A concurrent trainer: right after our gate judged the incumbent, it publishes and promotes."""
    real = gate_module.run_gate
    calls = {"n": 0}

    def gate_then_race(*args: Any, **kwargs: Any) -> dict[str, Any]:
        decision = real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 1:
            other = TrainConfig(model_name="demo", params=params, promote_to=None)
            monkeypatch.setattr(gate_module, "run_gate", real)
            manifest = train(other, registry, say=quiet).manifest
            monkeypatch.setattr(gate_module, "run_gate", gate_then_race)
            registry.set_alias("demo", "production", manifest.version, actor="other", reason="race")
        return decision

    monkeypatch.setattr(gate_module, "run_gate", gate_then_race)


def test_promotion_regates_when_production_moved_and_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = published(tmp_path)
    move_production_during_gate(monkeypatch, registry, FAST)  # the same model: within tolerance
    messages: list[str] = []
    result = train(TrainConfig(model_name="demo", params=FAST), registry, say=messages.append)
    assert result.manifest.version == "v0003" and result.promoted_to == "production"
    assert any("production moved from v0001 to v0002 while training; gating again" in m for m in messages)
    history = registry.alias_history("demo", "production")
    assert [(h["version"], h["previous"]) for h in history] == [
        ("v0001", None),
        ("v0002", "v0001"),
        ("v0003", "v0002"),
    ]
    assert "gate passed again" in history[-1]["reason"]


def test_promotion_stops_when_the_new_incumbent_is_better(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = published(tmp_path, params=WEAK)
    monkeypatch.setattr("mlfleet_trainer.run.actor", lambda: "trainer-a")
    move_production_during_gate(monkeypatch, registry, {"n_estimators": 30})
    config = TrainConfig(model_name="demo", params=WEAK, gate={"tolerance": 0.0})
    with pytest.raises(NotPromoted) as info:
        train(config, registry, say=quiet)
    message = str(info.value)
    assert message.startswith(
        "registered demo v0003 but did not promote it to production: production moved from "
        "v0001 to v0002 while this run trained, and the new gate rejected it"
    )
    assert (info.value.name, info.value.version) == ("demo", "v0003")
    assert registry.aliases("demo") == {"production": "v0002"}
    assert registry.list_versions("demo") == ["v0001", "v0002", "v0003"]
    rejected = [e for e in registry.audit_log() if e["event"] == "gate-rejected"]
    assert [(e["version"], e["actor"]) for e in rejected] == [("v0003", "trainer-a")]


def test_cli_exit_code_3_when_registered_but_not_promoted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = published(tmp_path, params=WEAK)
    move_production_during_gate(monkeypatch, registry, {"n_estimators": 30})
    config = tmp_path / "weak.yaml"
    config.write_text("model_name: demo\nparams: {n_estimators: 1, max_depth: 1}\ngate: {tolerance: 0.0}\n")
    result = CliRunner().invoke(app, ["train", "--registry", registry.url, "--config", str(config)])
    assert result.exit_code == 3, result.output
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: registered demo v0003 but did not promote it to production"), result.stderr
    assert "Traceback" not in result.stderr
