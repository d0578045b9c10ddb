"""The trainer end to end on the bundled demo dataset, into a real (local directory) registry."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from mlfleet_registry import open_registry
from mlfleet_trainer.config import DEFAULT_MODEL_NAME, DataConfig, TrainConfig, load_config
from mlfleet_trainer.errors import GateRejected, TrainerError
from mlfleet_trainer.run import train


def quiet(_: str) -> None:
    return None


def test_demo_run_publishes_gates_and_promotes(tmp_path: Path) -> None:
    registry = open_registry(str(tmp_path / "reg"))
    messages: list[str] = []
    first = train(TrainConfig(), registry, say=messages.append)
    assert first.manifest.version == "v0001" and first.promoted_to == "production"
    assert first.gate["passed"] and first.gate["incumbent_version"] is None
    assert any("fitting RandomForestClassifier" in m for m in messages)  # progress output
    manifest = first.manifest
    assert manifest.params["n_estimators"] == 50 and manifest.params["seed"] == 42
    assert manifest.metrics["roc_auc"] > 0.95
    assert manifest.classes == [0, 1] and manifest.task == "classification"
    assert len(manifest.feature_schema) == 30 and manifest.feature_schema[0].name == "mean radius"
    hist = manifest.reference_stats["mean radius"]
    assert hist["bin_edges"][0] is None and hist["bin_edges"][-1] is None
    assert len(hist["bin_edges"]) == len(hist["fractions"]) + 1
    assert math.isclose(sum(f for f in hist["fractions"] if f is not None), 1.0)
    assert manifest.data_fingerprint.startswith("sha256:")

    second = train(TrainConfig(), registry, say=quiet)  # same seed: matches production exactly
    assert second.manifest.version == "v0002"
    assert second.manifest.metrics == manifest.metrics  # deterministic
    assert second.manifest.data_fingerprint == manifest.data_fingerprint
    assert second.gate["passed"] and second.gate["incumbent_version"] == "v0001"
    assert second.manifest.parent_version == "v0001"
    assert registry.resolve(DEFAULT_MODEL_NAME, "production") == "v0002"
    loaded = registry.load(DEFAULT_MODEL_NAME, "v0002")
    assert loaded.model.predict_proba(loaded_features()).shape == (2, 2)


def loaded_features():  # type: ignore[no-untyped-def]
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(as_frame=True).data.head(2)


def test_gate_rejects_a_worse_model_and_records_why(tmp_path: Path) -> None:
    registry = open_registry(str(tmp_path / "reg"))
    train(TrainConfig(), registry, say=quiet)
    weak = TrainConfig(
        params={"n_estimators": 1, "max_depth": 1}, gate={"metric": "roc_auc", "tolerance": 0.0}
    )
    with pytest.raises(GateRejected, match=r"roc_auc=.* is worse than production v0001"):
        train(weak, registry, say=quiet)
    assert registry.list_versions(DEFAULT_MODEL_NAME) == ["v0001"]
    rejected = [e for e in registry.audit_log() if e["event"] == "gate-rejected"]
    assert len(rejected) == 1 and "worse than" in rejected[0]["reason"]


def test_search_and_csv_parquet_sources(tmp_path: Path) -> None:
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame.iloc[:, [0, 1, 2, 30]]
    frame.to_csv(tmp_path / "data.csv", index=False)
    frame.to_parquet(tmp_path / "data.parquet")
    registry = open_registry(str(tmp_path / "reg"))
    for i, source in enumerate(["data.csv", "data.parquet"]):
        config = TrainConfig(
            model_name=f"small{i}",
            estimator="LogisticRegression",
            params={"max_iter": 200},
            data=DataConfig(source=str(tmp_path / source)),
            search={"param_grid": {"C": [0.1, 1.0]}, "cv": 2},
            promote_to=None,
        )
        result = train(config, registry, say=quiet)
        assert result.manifest.params["C"] in (0.1, 1.0)
        assert [f.name for f in result.manifest.feature_schema] == list(frame.columns[:3])
        assert result.promoted_to is None


def test_config_errors_are_readable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("estimator: RandomForestClassifier\nparams: {n_estimators: 5}\nseed: nope\n")
    with pytest.raises(TrainerError, match=r"seed: Input should be a valid integer"):
        load_config(str(bad))
    with pytest.raises(TrainerError, match="unknown estimator 'Magic'"):
        train(TrainConfig(estimator="Magic"), str(tmp_path / "r"), say=quiet)
    with pytest.raises(TrainerError, match=r"has no parameter\(s\) \['n_trees'\]"):
        train(TrainConfig(params={"n_trees": 3}), str(tmp_path / "r"), say=quiet)
    with pytest.raises(TrainerError, match="cannot read training data"):
        train(TrainConfig(data=DataConfig(source=str(tmp_path / "nope.csv"))), str(tmp_path / "r"), say=quiet)
