"""The input domain: the per-feature ranges the registry records and serving enforces
(`range_policy`), and which rows a version's ranges accept.

The ranges describe the data, not one split of it: the whole table the run loaded, widened by a
margin. Ranges taken from the training split alone moved with the seed, so a retrain with only the
seed changed rejected the dataset's own rows (issue 14)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from mlfleet_registry import FeatureSpec

from mlfleet_trainer.config import DomainConfig
from mlfleet_trainer.errors import TrainerError

# Serving refuses any magnitude beyond float32's whatever the ranges (its runtimes compute in
# float32): mlfleet_serving.validation.FLOAT32_MAX. Repeated here because the trainer does not
# depend on the serving package; tests/apps/serving/test_domain.py checks both sides agree.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def input_domain(
    features: pd.DataFrame, cfg: DomainConfig, source: str
) -> tuple[list[FeatureSpec], dict[str, Any]]:
    """The feature schema (observed range widened by the margin) and how it was derived, for the
    manifest (`params["input_domain"]`): enough to re-derive every bound."""
    specs, observed = [], {}
    for column in features.columns:
        values = features[column].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        if not len(finite):  # an all-missing column (allowed by validation.max_missing_fraction)
            specs.append(FeatureSpec(name=str(column), dtype=str(features[column].dtype)))
            continue
        low, high = float(finite.min()), float(finite.max())
        observed[str(column)] = [low, high]
        low, high = widen(low, high, cfg)
        specs.append(FeatureSpec(name=str(column), dtype=str(features[column].dtype), min=low, max=high))
    record = {
        "from": f"all {len(features)} rows of {source} (not the training split)",
        "margin": cfg.margin,
        "margin_of": "observed range (max - min), added below the minimum and above the maximum",
        "keep_sign": cfg.keep_sign,
        "observed": observed,
    }
    return specs, record


def widen(low: float, high: float, cfg: DomainConfig) -> tuple[float, float]:
    # A constant feature has no range: widen by the margin of max(|value|, 1) instead.
    span = high - low or max(abs(low), 1.0)
    lower, upper = low - cfg.margin * span, high + cfg.margin * span
    if cfg.keep_sign and low >= 0:
        lower = max(lower, 0.0)
    elif cfg.keep_sign and high <= 0:
        upper = min(upper, 0.0)
    return max(lower, -FLOAT32_MAX), min(upper, FLOAT32_MAX)


def bounds(schema: Sequence[FeatureSpec]) -> tuple[np.ndarray, np.ndarray]:
    """(mins, maxs) with -inf/+inf where the schema has no bound, as serving builds them
    (mlfleet_serving.models.build_served)."""
    mins = np.array([-np.inf if f.min is None else float(f.min) for f in schema])
    maxs = np.array([np.inf if f.max is None else float(f.max) for f in schema])
    return mins, maxs


def rejected_cells(schema: Sequence[FeatureSpec], x: np.ndarray) -> np.ndarray:
    """[rows, features] True where serving would refuse the value under range_policy=reject
    (mlfleet_serving.validation.check_values): not a finite number within float32's range, or
    outside [min, max]."""
    mins, maxs = bounds(schema)
    with np.errstate(invalid="ignore"):
        inside = (np.abs(x) <= FLOAT32_MAX) & (x >= mins) & (x <= maxs)
    return np.asarray(~inside)


@dataclass(frozen=True)
class DomainComparison:
    rows: int
    incumbent_accepts: int
    newly_rejected: int  # accepted by the incumbent, rejected by the candidate
    by_feature: dict[str, int]  # feature -> newly rejected rows with that feature out of range

    @property
    def share(self) -> float:
        return self.newly_rejected / self.incumbent_accepts if self.incumbent_accepts else 0.0


def reference_matrix(reference: pd.DataFrame, schema: Sequence[FeatureSpec], where: str) -> np.ndarray:
    """The reference rows as a float matrix in the schema's column order (other columns ignored)."""
    names = [f.name for f in schema]
    missing = [n for n in names if n not in reference.columns.map(str)]
    if missing:
        raise TrainerError(
            f"{where} lacks feature column(s) {missing[:10]}; it needs the model's features by name"
        )
    frame = reference.set_axis(reference.columns.map(str), axis=1)[names]
    try:
        return frame.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise TrainerError(f"{where} has non-numeric feature values: {exc}") from None


def compare(
    candidate: Sequence[FeatureSpec], incumbent: Sequence[FeatureSpec], x: np.ndarray
) -> DomainComparison:
    accepted = ~rejected_cells(incumbent, x).any(axis=1)
    candidate_cells = rejected_cells(candidate, x)
    newly = accepted & candidate_cells.any(axis=1)
    counts = candidate_cells[newly].sum(axis=0)
    by_feature = {candidate[j].name: int(counts[j]) for j in np.argsort(-counts, kind="stable") if counts[j]}
    return DomainComparison(len(x), int(accepted.sum()), int(newly.sum()), by_feature)
