"""Canary against production, from the server's own metrics (docs/metrics.md) in Prometheus.

Each variant is selected by the server's `variant` label (`primary` serves the production alias,
`canary` the canary alias) AND the version the release is about, so requests the canary slot served
before the candidate was loaded are not counted against it. Three figures per window:
- error rate: 5xx (the server failed) and 422 (the model refused a request's rows: a candidate whose
  ranges reject production traffic fails its users as surely as a crash) over all requests;
- p95 latency from the request-duration histogram;
- prediction shift: the population stability index of the canary's predicted classes against
  production's over the same window (the same traffic split at random, so the class mixes should
  match).
A threshold fails the canary only when its ratio is exceeded AND the absolute difference is beyond
its slack: with little traffic one error against none is an infinite ratio and means nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from components.topology.compute_config import CanaryAnalysisConfig
from mlfleet.release.errors import ReleaseError
from mlfleet.release.prometheus import Prometheus

ERROR_STATUS = "5..|422"
PSI_FLOOR = 1e-4  # a class one side never predicted counts as this share (PSI is infinite at 0)

Outcome = Literal["pass", "fail", "inconclusive"]


@dataclass(frozen=True)
class VariantFigures:
    version: str
    requests: float
    errors: float
    p95_seconds: float | None
    classes: Mapping[str, float] = field(default_factory=dict)

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class Figures:
    primary: VariantFigures
    canary: VariantFigures
    window_seconds: float

    @property
    def prediction_psi(self) -> float | None:
        if not self.primary.classes or not self.canary.classes:
            return None
        return psi(self.primary.classes, self.canary.classes)


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reasons: list[str]
    figures: Figures

    def report(self) -> str:
        """The verdict and every measured figure, one line each (printed by `mlfleet release`)."""
        f = self.figures
        lines = [f"verdict: {self.outcome.upper()}", *[f"  - {r}" for r in self.reasons]]
        for name, v in (("production", f.primary), ("canary", f.canary)):
            p95 = f"{v.p95_seconds * 1000:.1f} ms" if v.p95_seconds is not None else "n/a"
            lines.append(
                f"  {name:<10} {v.version}: {v.requests:.0f} requests, {v.errors:.0f} errors "
                f"({v.error_rate:.2%}), p95 {p95}"
            )
        shift = f.prediction_psi
        lines.append(f"  prediction PSI (canary vs production): {'n/a' if shift is None else f'{shift:.4f}'}")
        lines.append(f"  window: {f.window_seconds:.0f} s")
        return "\n".join(lines)


def psi(expected: Mapping[str, float], actual: Mapping[str, float]) -> float:
    """Population stability index of two count (or share) distributions over the same categories."""
    total_e, total_a = sum(expected.values()), sum(actual.values())
    if total_e <= 0 or total_a <= 0:
        return 0.0
    value = 0.0
    for key in set(expected) | set(actual):
        e = max(expected.get(key, 0.0) / total_e, PSI_FLOOR)
        a = max(actual.get(key, 0.0) / total_a, PSI_FLOOR)
        value += (a - e) * math.log(a / e)
    return value


def judge(figures: Figures, limits: CanaryAnalysisConfig) -> Verdict:
    """Pure decision from the measured figures and the stack's thresholds."""
    primary, canary = figures.primary, figures.canary
    short = [
        f"{name} served {v.requests:.0f} requests in the window (min_requests: {limits.min_requests})"
        for name, v in (("canary", canary), ("production", primary))
        if v.requests < limits.min_requests
    ]
    if short:
        return Verdict("inconclusive", short, figures)
    reasons = []
    p, c = primary.error_rate, canary.error_rate
    if c > p * limits.max_error_rate_ratio and c - p > limits.error_rate_slack:
        reasons.append(
            f"error rate {c:.2%} against production's {p:.2%} (limit: x{limits.max_error_rate_ratio} "
            f"and +{limits.error_rate_slack:.2%})"
        )
    if primary.p95_seconds is not None and canary.p95_seconds is not None:
        pl, cl = primary.p95_seconds, canary.p95_seconds
        if cl > pl * limits.max_p95_latency_ratio and cl - pl > limits.p95_latency_slack_seconds:
            reasons.append(
                f"p95 latency {cl * 1000:.1f} ms against production's {pl * 1000:.1f} ms (limit: "
                f"x{limits.max_p95_latency_ratio} and +{limits.p95_latency_slack_seconds * 1000:.0f} ms)"
            )
    shift = figures.prediction_psi
    if shift is not None and shift > limits.max_prediction_psi:
        reasons.append(f"prediction PSI {shift:.3f} above {limits.max_prediction_psi}")
    if reasons:
        return Verdict("fail", reasons, figures)
    return Verdict("pass", ["every figure within its threshold"], figures)


def _selector(model: str, variant: str, version: str, extra: str = "") -> str:
    return f'{{model="{model}",variant="{variant}",version="{version}"{extra}}}'


def measure(
    prom: Prometheus, model: str, versions: Mapping[str, str], window_seconds: float, at: float | None = None
) -> Figures:
    """The figures of `versions` ({"primary": v, "canary": v}) over the window ending `at` (now)."""
    window = f"{max(1, round(window_seconds))}s"
    failed = f',status=~"{ERROR_STATUS}"'
    found = {}
    for variant, version in versions.items():
        sel = _selector(model, variant, version)
        requests = prom.scalar(f"sum(increase(mlfleet_requests_total{sel}[{window}]))", at) or 0.0
        errors = prom.scalar(
            f"sum(increase(mlfleet_requests_total{_selector(model, variant, version, failed)}[{window}]))", at
        )
        buckets = f"rate(mlfleet_request_duration_seconds_bucket{sel}[{window}])"
        p95 = prom.scalar(f"histogram_quantile(0.95, sum by (le) ({buckets}))", at)
        classes = prom.query(f"sum by (class) (increase(mlfleet_predictions_total{sel}[{window}]))", at)
        found[variant] = VariantFigures(
            version=version,
            requests=requests,
            errors=errors or 0.0,
            p95_seconds=None if p95 is None or math.isnan(p95) else p95,
            classes={labels.get("class", ""): value for labels, value in classes},
        )
    return Figures(primary=found["primary"], canary=found["canary"], window_seconds=window_seconds)


def wait_serving(prom: Prometheus, model: str, variant: str, version: str, timeout: float) -> None:
    """Until Prometheus has scraped `variant` serving `version` (the window starts after that)."""
    deadline = time.monotonic() + timeout
    expr = f'mlfleet_model_info{{model="{model}",variant="{variant}",version="{version}"}}'
    while not prom.query(expr):
        if time.monotonic() > deadline:
            raise ReleaseError(
                f"no replica reports {variant} serving {model} {version} in Prometheus after {timeout:.0f} s "
                f"(query {expr}); check the serving pods' MLFLEET_CANARY_ALIAS and the scrape targets"
            )
        time.sleep(0.5)
