"""Training configuration (YAML or JSON file); every field has a default so no file is needed."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mlfleet_trainer.errors import TrainerError

DEMO_DATASET = "sklearn:breast_cancer"
# The name the default config publishes under: named after the default data it is trained on. The
# stacks serve (and ask the trainer for) this name unless mlfleet:serving.model says otherwise.
DEFAULT_MODEL_NAME = "breast-cancer"
# Environment the container reads (the stack's Job sets them): they override the config file.
MODEL_ENV = "MLFLEET_MODEL"
CONFIG_ENV = "MLFLEET_TRAIN_CONFIG"


class DataConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        default=DEMO_DATASET, description="sklearn:breast_cancer, a CSV/Parquet path or bucket URL"
    )
    target: str = "target"
    test_size: float = Field(default=0.25, gt=0, lt=1)


class ValidationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_missing_fraction: float = Field(default=0.0, ge=0, le=1)
    min_class_fraction: float = Field(default=0.05, ge=0, le=0.5)
    leakage_correlation: float = Field(default=0.98, gt=0, le=1)
    min_rows: int = Field(default=20, ge=2)


class SearchConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    param_grid: dict[str, list[Any]]
    cv: int = Field(default=3, ge=2, le=10)


class GateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: str = "roc_auc"
    tolerance: float = Field(default=0.005, ge=0)
    against: str = "production"


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_name: str = DEFAULT_MODEL_NAME
    task: Literal["classification", "regression"] = "classification"
    estimator: str = "RandomForestClassifier"
    params: dict[str, Any] = Field(default_factory=lambda: {"n_estimators": 50})
    seed: int = 42
    data: DataConfig = DataConfig()
    validation: ValidationConfig = ValidationConfig()
    search: SearchConfig | None = None
    gate: GateConfig = GateConfig()
    promote_to: str | None = "production"


def load_effective_config(path: str | None, environ: Mapping[str, str] | None = None) -> TrainConfig:
    """The config a run uses: `path`, else $MLFLEET_TRAIN_CONFIG, else the defaults; then
    $MLFLEET_MODEL (set by the stack's Job to the model it serves) overrides `model_name`."""
    env = os.environ if environ is None else environ
    config = load_config(path or env.get(CONFIG_ENV) or None)
    if model := env.get(MODEL_ENV):
        try:
            return TrainConfig.model_validate({**config.model_dump(), "model_name": model})
        except ValidationError as exc:  # pragma: no cover - model_name is a plain string today
            raise TrainerError(f"{MODEL_ENV}={model!r} is not a valid model name: {exc}") from exc
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
        lines = [f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise TrainerError(f"config {path} is invalid:\n" + "\n".join(lines)) from exc
