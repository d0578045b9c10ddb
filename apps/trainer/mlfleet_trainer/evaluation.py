"""Holdout metrics suited to the task; the gate compares two models on exactly these."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

LOWER_IS_BETTER = {"mae", "rmse"}


def evaluate(model: Any, features: pd.DataFrame, target: pd.Series, task: str) -> dict[str, float]:
    predicted = model.predict(features)
    if task == "regression":
        return {
            "r2": float(skm.r2_score(target, predicted)),
            "mae": float(skm.mean_absolute_error(target, predicted)),
            "rmse": float(np.sqrt(skm.mean_squared_error(target, predicted))),
        }
    result = {
        "accuracy": float(skm.accuracy_score(target, predicted)),
        "f1_macro": float(skm.f1_score(target, predicted, average="macro")),
    }
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(features)
        if proba.shape[1] == 2:
            result["roc_auc"] = float(skm.roc_auc_score(target, proba[:, 1]))
        else:
            result["roc_auc"] = float(skm.roc_auc_score(target, proba, multi_class="ovr"))
    return result


def better_or_close(candidate: float, incumbent: float, metric: str, tolerance: float) -> bool:
    if metric in LOWER_IS_BETTER:
        return candidate <= incumbent + tolerance
    return candidate >= incumbent - tolerance
