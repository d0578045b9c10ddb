"""Input ranges that describe the data rather than one split of it, and the gate's domain check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlfleet_registry import FeatureSpec, Registry, open_registry
from mlfleet_trainer.config import DataConfig, DomainConfig, TrainConfig, load_config
from mlfleet_trainer.domain import input_domain, rejected_cells
from mlfleet_trainer.errors import GateRejected, TrainerError
from mlfleet_trainer.run import train

from tests.apps.trainer.domain_data import breast_cancer, write_tables

FAST = {"n_estimators": 5}
# Metric differences are not what these tests are about: the candidates are trained on other data.
ANY_METRIC = {"tolerance": 1.0}


def quiet(_: str) -> None:
    return None


def features() -> np.ndarray:
    return breast_cancer().drop(columns=["target"]).to_numpy()


def test_ranges_cover_the_whole_data_widened_and_say_how(tmp_path: Path) -> None:
    manifest = train(TrainConfig(params=FAST), str(tmp_path / "reg"), say=quiet).manifest
    schema = manifest.feature_schema
    assert not rejected_cells(schema, features()).any()  # every row, not only the training split
    domain = manifest.params["input_domain"]
    assert domain["from"] == "all 569 rows of sklearn:breast_cancer (not the training split)"
    assert domain["margin"] == 0.5 and domain["keep_sign"] is True
    low, high = domain["observed"]["mean radius"]
    radius = schema[0]
    assert (low, high) == (6.981, 28.11)
    assert radius.max == pytest.approx(28.11 + 0.5 * (28.11 - 6.981))
    assert radius.min == 0.0  # 6.981 - 10.6 would be a negative radius: the sign is kept
    # Every breast-cancer feature is non-negative, so no bound goes below zero.
    assert all(f.min is not None and f.min >= 0 for f in schema)


def test_a_retrain_with_another_seed_records_the_same_ranges(tmp_path: Path) -> None:
    registry = open_registry(str(tmp_path / "reg"))
    first = train(TrainConfig(params=FAST, seed=42), registry, say=quiet).manifest
    second = train(TrainConfig(params=FAST, seed=43), registry, say=quiet)  # the default gate
    assert second.gate["passed"] and second.gate["incumbent_split"] == "same"
    assert second.manifest.feature_schema == first.feature_schema
    assert second.manifest.reference_stats == first.reference_stats  # drift reference: all rows too
    domain = second.gate["domain"]
    assert domain["passed"] and domain["newly_rejected"] == 0 and domain["incumbent_accepts"] == 569


@pytest.mark.parametrize(("low", "high", "expected"), [(2.0, 4.0, (1.0, 5.0)), (-4.0, -2.0, (-5.0, -1.0))])
def test_margin_is_a_fraction_of_the_observed_range(
    low: float, high: float, expected: tuple[float, float]
) -> None:
    table = pd.DataFrame({"x": [low, high]})
    [spec], _ = input_domain(table, DomainConfig(margin=0.5, keep_sign=False), "t")
    assert (spec.min, spec.max) == expected
    [spec], _ = input_domain(table, DomainConfig(margin=2.0), "t")  # sign kept: never crosses zero
    assert (spec.min, spec.max) == ((0.0, 8.0) if low > 0 else (-8.0, 0.0))


@pytest.mark.parametrize(("value", "expected"), [(3.0, (1.5, 4.5)), (0.0, (0.0, 0.5)), (0.2, (0.0, 0.7))])
def test_a_constant_feature_is_widened_by_its_magnitude(value: float, expected: tuple[float, float]) -> None:
    [spec], _ = input_domain(pd.DataFrame({"x": [value] * 3}), DomainConfig(), "t")
    assert (spec.min, spec.max) == pytest.approx(expected)


def test_default_margin_keeps_unseen_rows_of_the_same_population() -> None:
    """Why the margin: fitted on 75% of the rows, the other 25% fall outside the observed ranges
    often (about 7% of them); with the default margin rarely."""
    frame = breast_cancer().drop(columns=["target"])

    def held_out_rejected(margin: float) -> float:
        shares = []
        for seed in range(20):
            order = np.random.default_rng(seed).permutation(len(frame))
            fitted, unseen = frame.iloc[order[:427]], frame.iloc[order[427:]]
            schema, _ = input_domain(fitted, DomainConfig(margin=margin), "t")
            shares.append(rejected_cells(schema, unseen.to_numpy()).any(axis=1).mean())
        return float(np.mean(shares))

    assert held_out_rejected(0.0) > 0.04
    assert held_out_rejected(DomainConfig().margin) < 0.01


def test_gate_refuses_a_candidate_whose_domain_rejects_reference_traffic(tmp_path: Path) -> None:
    whole, narrow = write_tables(tmp_path)
    registry = open_registry(str(tmp_path / "reg"))
    train(TrainConfig(params=FAST, data=DataConfig(source=whole)), registry, say=quiet)
    narrowed = TrainConfig(
        params=FAST, data=DataConfig(source=narrow), gate={**ANY_METRIC, "reference": whole}
    )
    with pytest.raises(GateRejected) as rejected:
        train(narrowed, registry, say=quiet)
    message = str(rejected.value)
    assert "candidate's input ranges reject" in message and "that production v0001 accepts" in message
    assert f"of {whole} (gate.reference)" in message and "'mean radius' (" in message
    assert "gate.max_newly_rejected 1.0%" in message and "widen domain.margin" in message
    assert "roc_auc" not in message  # only the check that failed is named
    assert registry.list_versions("breast-cancer") == ["v0001"]
    [event] = [e for e in registry.audit_log() if e["event"] == "gate-rejected"]
    domain = event["gate"]["domain"]
    assert not domain["passed"] and domain["rows"] == 569 and domain["incumbent_accepts"] == 569
    assert domain["share"] == domain["newly_rejected"] / 569 > 0.01
    assert next(iter(domain["features"])) in {"mean radius", "mean perimeter", "mean area"}
    assert event["gate"]["incumbent_split"] == "other data"

    # The same candidate passes when the operator accepts that share (the limit is what decides).
    loose = narrowed.model_copy(update={"gate": narrowed.gate.model_copy(update={"max_newly_rejected": 0.5})})
    result = train(loose, registry, say=quiet)
    assert result.gate["passed"] and result.gate["domain"]["newly_rejected"] == domain["newly_rejected"]


def test_gate_judges_a_version_registered_before_domain_ranges(tmp_path: Path) -> None:
    """A version whose ranges came from its training split (no input_domain record) is still the
    incumbent the gate compares with: the new candidate accepts every row the old one did."""
    registry = open_registry(str(tmp_path / "reg"))
    old = train(TrainConfig(params=FAST), registry, say=quiet).manifest
    split = breast_cancer().drop(columns=["target"]).sample(frac=0.75, random_state=0)
    publish_split_ranged(registry, old, split)
    result = train(TrainConfig(params=FAST, seed=7, gate=ANY_METRIC), registry, say=quiet)
    domain = result.gate["domain"]
    assert result.gate["incumbent_version"] == "v0002"
    assert domain["passed"] and domain["newly_rejected"] == 0 and domain["incumbent_accepts"] < 569
    assert result.gate["incumbent_split"] == "same"  # it split with its seed, 42: the default split seed


def test_gate_says_when_the_incumbent_trained_on_part_of_the_holdout(tmp_path: Path) -> None:
    """The holdout split follows data.split_seed, not seed: a seed-only retrain is judged on rows
    neither version trained on; another split of the same data is judged but flagged optimistic."""
    registry = open_registry(str(tmp_path / "reg"))
    first = train(TrainConfig(params=FAST), registry, say=quiet).manifest
    assert first.params["holdout"] == {"split_seed": 42, "test_size": 0.25, "stratified": True}
    other = TrainConfig(params=FAST, data=DataConfig(split_seed=7), gate=ANY_METRIC)
    result = train(other, registry, say=quiet)
    assert result.gate["incumbent_split"] == "different"
    assert "production v0001 was trained on another split of the same data" in result.gate["reason"]
    assert result.manifest.params["holdout"]["split_seed"] == 7


def publish_split_ranged(registry: Registry, like, split) -> None:  # type: ignore[no-untyped-def]
    """Publish v0002 as the trainer did before: ranges of one split, no input_domain record."""
    loaded = registry.load(like.name, like.version)
    schema = [
        FeatureSpec(name=str(c), dtype="float64", min=float(split[c].min()), max=float(split[c].max()))
        for c in split.columns
    ]
    params = {k: v for k, v in like.params.items() if k not in ("input_domain", "holdout")}
    manifest = registry.publish(
        like.name,
        loaded.model,
        metrics=like.metrics,
        params=params,
        feature_schema=schema,
        reference_stats=like.reference_stats,
        data_fingerprint=like.data_fingerprint,
        task=like.task,
        classes=like.classes,
        code_version="before-domain",
        parent_version=like.version,
        created_by="test",
        reason="as published before input domains",
    )
    registry.set_alias(like.name, "production", manifest.version, actor="test", reason="old-style version")


def test_reference_and_domain_errors_are_readable(tmp_path: Path) -> None:
    registry = str(tmp_path / "reg")
    breast_cancer()[["mean radius", "target"]].to_csv(tmp_path / "partial.csv", index=False)
    partial = TrainConfig(params=FAST, gate={"reference": str(tmp_path / "partial.csv")})
    with pytest.raises(TrainerError, match=r"partial\.csv lacks feature column\(s\) \['mean texture'"):
        train(partial, registry, say=quiet)
    missing = TrainConfig(params=FAST, gate={"reference": str(tmp_path / "none.csv")})
    with pytest.raises(TrainerError, match=r"cannot read gate\.reference"):
        train(missing, registry, say=quiet)
    assert not (tmp_path / "reg").exists() or not open_registry(registry).list_versions("breast-cancer")
    bad = tmp_path / "bad.yaml"
    bad.write_text("domain: {margin: -1}\ngate: {max_newly_rejected: 2}\n")
    with pytest.raises(TrainerError) as error:
        load_config(str(bad))
    assert "domain.margin: Input should be greater than or equal to 0" in str(error.value)
    assert "gate.max_newly_rejected: Input should be less than or equal to 1" in str(error.value)
