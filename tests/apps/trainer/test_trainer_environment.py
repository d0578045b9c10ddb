"""The trainer container is configured by the environment the stack's Job sets: MLFLEET_REGISTRY,
MLFLEET_TRAIN_CONFIG (the mounted ConfigMap) and MLFLEET_MODEL (the model the stack serves)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlfleet_registry import open_registry
from mlfleet_trainer.cli import main
from mlfleet_trainer.config import DEFAULT_MODEL_NAME, DEMO_DATASET, load_effective_config


def test_without_environment_the_defaults_apply() -> None:
    config = load_effective_config(None, {})
    assert config.model_name == DEFAULT_MODEL_NAME
    assert config.data.source == DEMO_DATASET


def test_config_file_from_the_environment_and_model_override(tmp_path: Path) -> None:
    file = tmp_path / "train.yaml"
    file.write_text("model_name: from-file\nseed: 7\nparams: {n_estimators: 5}\n")
    config = load_effective_config(None, {"MLFLEET_TRAIN_CONFIG": str(file)})
    assert (config.model_name, config.seed) == ("from-file", 7)
    config = load_effective_config(None, {"MLFLEET_TRAIN_CONFIG": str(file), "MLFLEET_MODEL": "served"})
    assert (config.model_name, config.seed) == ("served", 7)  # the env wins over the file's name


def test_an_explicit_config_flag_wins_over_the_environment(tmp_path: Path) -> None:
    flag, env = tmp_path / "flag.yaml", tmp_path / "env.yaml"
    flag.write_text("seed: 1\n")
    env.write_text("seed: 2\n")
    assert load_effective_config(str(flag), {"MLFLEET_TRAIN_CONFIG": str(env)}).seed == 1


def test_the_cli_publishes_the_model_the_environment_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "train.yaml"
    file.write_text("model_name: ignored\nparams: {n_estimators: 5}\n")
    registry = tmp_path / "reg"
    monkeypatch.setenv("MLFLEET_REGISTRY", str(registry))
    monkeypatch.setenv("MLFLEET_TRAIN_CONFIG", str(file))
    monkeypatch.setenv("MLFLEET_MODEL", "served-model")
    assert main([]) == 0
    assert capsys.readouterr().out.strip() == "served-model v0001"
    reg = open_registry(str(registry))
    assert reg.list_models() == ["served-model"]
    assert reg.manifest("served-model", "v0001").params["n_estimators"] == 5


def test_help_documents_the_environment(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for name in ("MLFLEET_REGISTRY", "MLFLEET_TRAIN_CONFIG", "MLFLEET_MODEL"):
        assert name in text
    assert "overrides the config file's model_name" in text
