"""Estimators a config may name (an allowlist: the config never imports arbitrary code)."""

from __future__ import annotations

from typing import Any

from sklearn.base import BaseEstimator
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mlfleet_trainer.errors import TrainerError

ESTIMATORS: dict[str, tuple[str, type[BaseEstimator], bool]] = {
    # name: (task, class, needs scaling)
    "RandomForestClassifier": ("classification", RandomForestClassifier, False),
    "GradientBoostingClassifier": ("classification", GradientBoostingClassifier, False),
    "LogisticRegression": ("classification", LogisticRegression, True),
    "RandomForestRegressor": ("regression", RandomForestRegressor, False),
    "GradientBoostingRegressor": ("regression", GradientBoostingRegressor, False),
    "Ridge": ("regression", Ridge, True),
}


def build_pipeline(name: str, task: str, params: dict[str, Any], seed: int) -> Pipeline:
    if name not in ESTIMATORS:
        raise TrainerError(f"unknown estimator {name!r}; choose one of: {', '.join(ESTIMATORS)}")
    estimator_task, cls, scale = ESTIMATORS[name]
    if estimator_task != task:
        raise TrainerError(f"estimator {name} is for {estimator_task}, but the config says task: {task}")
    accepted = cls().get_params()
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise TrainerError(f"{name} has no parameter(s) {unknown}; see the scikit-learn docs for {name}")
    if "random_state" in accepted:
        params = {"random_state": seed, **params}
    steps: list[tuple[str, Any]] = [("scale", StandardScaler())] if scale else []
    steps.append(("model", cls(**params)))
    return Pipeline(steps)
