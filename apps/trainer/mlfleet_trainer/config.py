"""Training configuration (YAML or JSON file); every field has a default so no file is needed."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from mlfleet_registry import InvalidName
from mlfleet_registry.names import check_alias, check_name
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mlfleet_trainer.errors import TrainerError

DEMO_DATASET = "sklearn:breast_cancer"
# The name the default config publishes under: named after the default data it is trained on. The
# stacks serve (and ask the trainer for) this name unless mlfleet:serving.model says otherwise.
DEFAULT_MODEL_NAME = "breast-cancer"
# Environment the container reads (the stack's Job sets them): they override the config file.
MODEL_ENV = "MLFLEET_MODEL"
CONFIG_ENV = "MLFLEET_TRAIN_CONFIG"
# Overrides `promote_to` ("none": move no alias). The prod stacks set it to `candidate`: a scheduled
# run there never moves production, `mlfleet release` does (docs/delivery.md).
PROMOTE_ENV = "MLFLEET_PROMOTE_TO"


class DataConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        default=DEMO_DATASET, description="sklearn:breast_cancer, a CSV/Parquet path or bucket URL"
    )
    target: str = "target"
    test_size: float = Field(default=0.25, gt=0, lt=1)
    # Seeds the holdout split, apart from `seed` (the estimator's): a retrain with another seed is
    # then gated on the same holdout, which the incumbent did not train on either. 42 was the
    # default seed, which split the data before the two were separated.
    split_seed: int = Field(default=42, ge=0)


class ValidationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_missing_fraction: float = Field(default=0.0, ge=0, le=1)
    min_class_fraction: float = Field(default=0.05, ge=0, le=0.5)
    leakage_correlation: float = Field(default=0.98, gt=0, le=1)
    min_rows: int = Field(default=20, ge=2)


class DomainConfig(BaseModel):
    """The input ranges the registry records for serving to enforce (mlfleet_trainer.domain)."""

    model_config = ConfigDict(extra="forbid")

    # Added below the minimum and above the maximum, as a fraction of the observed range (max - min).
    # 0.5: fitted on 75% of the breast-cancer rows, the other 25% were rejected at 0.2% on average
    # (1.4% at p95 over 200 splits) against 6.9% with no margin (apps/serving/README.md).
    margin: float = Field(default=0.5, ge=0, le=10)
    # A bound never crosses zero: a feature observed non-negative stays non-negative (and likewise
    # non-positive), so widening does not admit physically impossible values such as negative sizes.
    keep_sign: bool = True


class SearchConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    param_grid: dict[str, list[Any]]
    cv: int = Field(default=3, ge=2, le=10)


# Holdout metrics the trainer computes per task (mlfleet_trainer.evaluation); the gate compares one.
TASK_METRICS = {"classification": ("accuracy", "f1_macro", "roc_auc"), "regression": ("r2", "mae", "rmse")}


def _grammar(check: Any, value: str | None) -> str | None:
    """A registry name rule as a pydantic error (the message names the rule)."""
    if value is None:
        return None
    try:
        return str(check(value))
    except InvalidName as exc:
        raise ValueError(str(exc)) from None


class GateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: str = "roc_auc"
    tolerance: float = Field(default=0.005, ge=0)
    against: str = "production"
    # When the `against` alias does not exist: "first-run" passes only while the model has no
    # version at all (nothing to compare with), "error" always stops, "pass" always passes.
    if_missing: Literal["first-run", "error", "pass"] = "first-run"
    # The domain check: rows of production-like traffic the `against` version accepts and the
    # candidate's ranges would reject, as a share of the rows the incumbent accepts. `reference` is
    # a CSV/Parquet path or bucket URL of such rows (e.g. a sample of recent requests; a target
    # column is ignored); unset, it is the whole of data.source.
    reference: str | None = None
    max_newly_rejected: float = Field(default=0.01, ge=0, le=1)

    @field_validator("against")
    @classmethod
    def _alias(cls, value: str) -> str | None:
        return _grammar(check_alias, value)


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_name: str = DEFAULT_MODEL_NAME
    task: Literal["classification", "regression"] = "classification"
    estimator: str = "RandomForestClassifier"
    params: dict[str, Any] = Field(default_factory=lambda: {"n_estimators": 50})
    seed: int = 42
    data: DataConfig = DataConfig()
    validation: ValidationConfig = ValidationConfig()
    domain: DomainConfig = DomainConfig()
    search: SearchConfig | None = None
    gate: GateConfig = GateConfig()
    promote_to: str | None = "production"

    @field_validator("model_name")
    @classmethod
    def _model_name(cls, value: str) -> str | None:
        return _grammar(check_name, value)

    @field_validator("promote_to")
    @classmethod
    def _promote_to(cls, value: str | None) -> str | None:
        return _grammar(check_alias, value)

    @model_validator(mode="after")
    def _gate_metric_fits_the_task(self) -> TrainConfig:
        metrics = TASK_METRICS[self.task]
        if self.gate.metric not in metrics:
            raise ValueError(
                f"gate.metric {self.gate.metric!r} is not computed for task {self.task}; "
                f"choose one of: {', '.join(metrics)}"
            )
        return self


def load_effective_config(path: str | None, environ: Mapping[str, str] | None = None) -> TrainConfig:
    """The config a run uses: `path`, else $MLFLEET_TRAIN_CONFIG, else the defaults; then
    $MLFLEET_MODEL (set by the stack's Job to the model it serves) overrides `model_name` and
    $MLFLEET_PROMOTE_TO (set by prod stacks to `candidate`) overrides `promote_to`."""
    env = os.environ if environ is None else environ
    config = load_config(path or env.get(CONFIG_ENV) or None)
    for variable, key in ((MODEL_ENV, "model_name"), (PROMOTE_ENV, "promote_to")):
        if value := env.get(variable):
            override = None if key == "promote_to" and value == "none" else value
            try:
                config = TrainConfig.model_validate({**config.model_dump(), key: override})
            except ValidationError as exc:
                message = exc.errors()[0]["msg"].removeprefix("Value error, ")
                raise TrainerError(f"{variable}: {message}") from None
    return config


def load_config(path: str | None) -> TrainConfig:
    """The config from `path` (YAML or JSON), or the demo defaults; errors name the bad field."""
    if path is None:
        return TrainConfig()
    file = Path(path)
    try:
        text = file.read_text()
    except OSError as exc:
        raise TrainerError(f"cannot read config {path}: {exc.strerror}") from exc
    try:
        if file.suffix == ".json":
            raw = json.loads(text)
        else:
            import yaml

            raw = yaml.safe_load(text) or {}
    except ValueError as exc:  # yaml.YAMLError and json.JSONDecodeError are both ValueErrors here
        raise TrainerError(f"config {path} is not valid {file.suffix or 'YAML'}: {exc}") from exc
    except Exception as exc:
        raise TrainerError(f"config {path} could not be parsed: {exc}") from exc
    if not isinstance(raw, dict):
        raise TrainerError(f"config {path} must be a mapping of settings, got {type(raw).__name__}")
    try:
        return TrainConfig.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(p) for p in e['loc']) or '(config)'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise TrainerError(f"config {path} is invalid:\n" + "\n".join(lines)) from exc
