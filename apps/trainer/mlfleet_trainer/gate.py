"""The promotion gate: the candidate must beat (or match within tolerance) the current production
model, both scored on the same holdout."""

from __future__ import annotations

from typing import Any

import pandas as pd
from mlfleet_registry import NotFound, Registry

from mlfleet_trainer.config import GateConfig
from mlfleet_trainer.evaluation import better_or_close, evaluate


def run_gate(
    registry: Registry,
    name: str,
    cfg: GateConfig,
    candidate_metrics: dict[str, float],
    holdout: tuple[pd.DataFrame, pd.Series],
    task: str,
) -> dict[str, Any]:
    """The decision, as recorded in the manifest and the audit log."""
    if cfg.metric not in candidate_metrics:
        raise ValueError(f"gate metric {cfg.metric!r} not computed; available: {sorted(candidate_metrics)}")
    decision: dict[str, Any] = {
        "metric": cfg.metric,
        "tolerance": cfg.tolerance,
        "against": cfg.against,
        "candidate": candidate_metrics[cfg.metric],
    }
    try:
        incumbent_version = registry.resolve(name, cfg.against)
    except NotFound:
        return {
            **decision,
            "passed": True,
            "incumbent_version": None,
            "reason": f"no {cfg.against} model yet",
        }
    incumbent = registry.load(name, incumbent_version)
    columns = [f.name for f in incumbent.manifest.feature_schema]
    features, target = holdout
    if columns != [str(c) for c in features.columns]:
        return {
            **decision,
            "passed": False,
            "incumbent_version": incumbent_version,
            "reason": f"{cfg.against} {incumbent_version} uses different features; not comparable",
        }
    score = evaluate(incumbent.model, features, target, task)[cfg.metric]
    passed = better_or_close(decision["candidate"], score, cfg.metric, cfg.tolerance)
    verdict = "beats or matches" if passed else "is worse than"
    return {
        **decision,
        "passed": passed,
        "incumbent_version": incumbent_version,
        "incumbent": score,
        "reason": (
            f"candidate {cfg.metric}={decision['candidate']:.4f} {verdict} {cfg.against} "
            f"{incumbent_version} {cfg.metric}={score:.4f} (tolerance {cfg.tolerance})"
        ),
    }
