"""The promotion gate, against the current production model (the `gate.against` alias):
- metric: the candidate must beat (or match within tolerance) the incumbent, both scored on the
  same holdout;
- domain: the candidate's input ranges must not reject more than `gate.max_newly_rejected` of the
  reference rows (production-like traffic) that the incumbent's ranges accept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from mlfleet_registry import FeatureSpec, Manifest, NotFound, Registry

from mlfleet_trainer.config import GateConfig
from mlfleet_trainer.domain import compare
from mlfleet_trainer.evaluation import better_or_close, evaluate

# Features named in a domain decision (the rest are counted in the record, not the message).
NAMED_FEATURES = 5


@dataclass(frozen=True)
class Candidate:
    """What the gate judges: holdout metrics, the holdout itself (to score the incumbent on), the
    input ranges the manifest will record, the reference rows in the schema's column order, and the
    data fingerprint and holdout split (params["holdout"])."""

    metrics: dict[str, float]
    holdout: tuple[pd.DataFrame, pd.Series]
    schema: list[FeatureSpec]
    reference: np.ndarray
    reference_source: str
    fingerprint: str
    split: dict[str, Any]


def run_gate(
    registry: Registry, name: str, cfg: GateConfig, candidate: Candidate, task: str
) -> dict[str, Any]:
    """The decision, as recorded in the manifest and the audit log."""
    if cfg.metric not in candidate.metrics:
        raise ValueError(f"gate metric {cfg.metric!r} not computed; available: {sorted(candidate.metrics)}")
    decision: dict[str, Any] = {
        "metric": cfg.metric,
        "tolerance": cfg.tolerance,
        "against": cfg.against,
        "candidate": candidate.metrics[cfg.metric],
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
    features, target = candidate.holdout
    if columns != [str(c) for c in features.columns]:
        return {
            **decision,
            "passed": False,
            "incumbent_version": incumbent_version,
            "reason": f"{cfg.against} {incumbent_version} uses different features; not comparable",
        }
    score = evaluate(incumbent.model, features, target, task)[cfg.metric]
    metric_passed = better_or_close(decision["candidate"], score, cfg.metric, cfg.tolerance)
    verdict = "beats or matches" if metric_passed else "is worse than"
    split = incumbent_split(candidate, incumbent.manifest)
    metric_reason = (
        f"candidate {cfg.metric}={decision['candidate']:.4f} {verdict} {cfg.against} "
        f"{incumbent_version} {cfg.metric}={score:.4f} (tolerance {cfg.tolerance})"
    )
    if split == "different":
        metric_reason += (
            f" [{cfg.against} {incumbent_version} was trained on another split of the same data, so "
            "part of this holdout is rows it trained on and its score is optimistic]"
        )
    domain = domain_decision(
        cfg, candidate, incumbent.manifest.feature_schema, f"{cfg.against} {incumbent_version}"
    )
    passed = metric_passed and domain["passed"]
    checks = ((metric_passed, metric_reason), (domain["passed"], domain["reason"]))
    # Passed: both reasons; rejected: only what failed.
    reason = "; ".join(why for ok, why in checks if passed or not ok)
    return {
        **decision,
        "passed": passed,
        "incumbent_version": incumbent_version,
        "incumbent": score,
        "incumbent_split": split,
        "domain": domain,
        "reason": reason,
    }


def incumbent_split(candidate: Candidate, incumbent: Manifest) -> str:
    """Whether the incumbent was trained outside this holdout: "same" split of the same data,
    "different" split of it (it trained on part of the holdout), or "other data" (unknown)."""
    if incumbent.data_fingerprint != candidate.fingerprint:
        return "other data"
    # Versions from before params["holdout"] split with their estimator seed, other settings default.
    theirs = incumbent.params.get("holdout") or {"split_seed": incumbent.params.get("seed")}
    same = all(theirs.get(key) == value for key, value in candidate.split.items() if key in theirs)
    return "same" if same else "different"


def domain_decision(
    cfg: GateConfig, candidate: Candidate, incumbent_schema: list[FeatureSpec], incumbent: str
) -> dict[str, Any]:
    found = compare(candidate.schema, incumbent_schema, candidate.reference)
    passed = found.share <= cfg.max_newly_rejected
    what = (
        f"candidate's input ranges reject {found.newly_rejected} of the {found.incumbent_accepts} rows "
        f"of {candidate.reference_source} that {incumbent} accepts ({found.share:.1%}; "
        f"gate.max_newly_rejected {cfg.max_newly_rejected:.1%})"
    )
    if found.by_feature:
        named = list(found.by_feature.items())[:NAMED_FEATURES]
        more = len(found.by_feature) - len(named)
        what += ", out of range in " + ", ".join(f"{k!r} ({v} rows)" for k, v in named)
        what += f" and {more} more feature(s)" if more else ""
    if not passed:
        what += (
            ": train on data that covers those values, widen domain.margin, or (if that traffic is "
            "no longer expected) raise gate.max_newly_rejected"
        )
    return {
        "passed": passed,
        "reference": candidate.reference_source,
        "rows": found.rows,
        "incumbent_accepts": found.incumbent_accepts,
        "newly_rejected": found.newly_rejected,
        "share": found.share,
        "max_share": cfg.max_newly_rejected,
        "features": found.by_feature,
        "reason": what,
    }
