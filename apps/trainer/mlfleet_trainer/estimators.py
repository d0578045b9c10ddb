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
    estimator = cls(**params)
    validate_params(estimator, f"params of {name}")
    steps: list[tuple[str, Any]] = [("scale", StandardScaler())] if scale else []
    steps.append(("model", estimator))
    return Pipeline(steps)


def validate_params(estimator: BaseEstimator, where: str) -> None:
    """scikit-learn's own parameter validation (types, ranges, choices), run before any data is
    read instead of at fit time; TrainerError with sklearn's message."""
    check = getattr(estimator, "_validate_params", None)
    if check is None:  # pragma: no cover - every allowlisted estimator has it (scikit-learn >= 1.2)
        return
    try:
        check()
    except (ValueError, TypeError) as exc:
        raise TrainerError(f"{where}: {exc}") from None


def validate_search(pipeline: Pipeline, param_grid: dict[str, list[Any]], name: str) -> None:
    """Every value of a search grid, checked like `params` (a typo fails now, not mid-search)."""
    from sklearn.base import clone

    model = pipeline.named_steps["model"]
    accepted = model.get_params()
    unknown = sorted(set(param_grid) - set(accepted))
    if unknown:
        raise TrainerError(f"search.param_grid: {name} has no parameter(s) {unknown}")
    for key, values in param_grid.items():
        if not isinstance(values, list) or not values:
            raise TrainerError(f"search.param_grid.{key}: give a non-empty list of values")
        for value in values:
            validate_params(clone(model).set_params(**{key: value}), f"search.param_grid.{key}={value!r}")
