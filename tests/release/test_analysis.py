"""The verdict from measured figures (mlfleet/release/analysis.py): ratios need their slack to fail,
too little traffic is inconclusive, a shifted class mix fails, and every figure is printed."""

from __future__ import annotations

import pytest

from components.topology.compute_config import CanaryAnalysisConfig
from mlfleet.release.analysis import Figures, VariantFigures, judge, psi

LIMITS = CanaryAnalysisConfig.model_validate({"minRequests": 100})
MIX = {"0": 370.0, "1": 630.0}


def _figures(canary: VariantFigures, primary: VariantFigures | None = None) -> Figures:
    base = primary or VariantFigures("v0001", requests=1000, errors=0, p95_seconds=0.010, classes=MIX)
    return Figures(primary=base, canary=canary, window_seconds=600)


def test_one_error_against_none_is_not_a_failure_but_a_real_rise_is() -> None:
    one = VariantFigures("v0002", requests=200, errors=1, p95_seconds=0.010, classes=MIX)
    assert judge(_figures(one), LIMITS).outcome == "pass"  # 0.5%: an infinite ratio, within the slack
    many = VariantFigures("v0002", requests=200, errors=10, p95_seconds=0.010, classes=MIX)
    verdict = judge(_figures(many), LIMITS)
    assert verdict.outcome == "fail"
    assert "error rate 5.00% against production's 0.00%" in verdict.reasons[0]


@pytest.mark.parametrize(("p95", "outcome"), [(0.030, "pass"), (0.040, "fail")])
def test_latency_needs_both_the_ratio_and_the_slack(p95: float, outcome: str) -> None:
    # Production p95 10 ms, limits x1.5 and +25 ms: 30 ms is 3x but only +20 ms; 40 ms is both.
    canary = VariantFigures("v0002", requests=200, errors=0, p95_seconds=p95, classes=MIX)
    assert judge(_figures(canary), LIMITS).outcome == outcome


def test_too_little_traffic_is_inconclusive() -> None:
    canary = VariantFigures("v0002", requests=40, errors=40, p95_seconds=None, classes={})
    verdict = judge(_figures(canary), LIMITS)
    assert verdict.outcome == "inconclusive"
    assert "canary served 40 requests in the window (min_requests: 100)" in verdict.reasons


def test_a_shifted_class_mix_fails_and_the_report_shows_every_figure() -> None:
    assert psi(MIX, MIX) == 0.0
    assert psi(MIX, {"0": 35.0, "1": 65.0}) < 0.01
    one_class = VariantFigures("v0002", requests=300, errors=0, p95_seconds=0.011, classes={"1": 300.0})
    verdict = judge(_figures(one_class), LIMITS)
    assert verdict.outcome == "fail" and verdict.reasons[0].startswith("prediction PSI ")
    report = verdict.report()
    for text in (
        "verdict: FAIL",
        "production v0001: 1000 requests",
        "canary     v0002: 300 requests",
        "p95 11.0 ms",
    ):
        assert text in report
