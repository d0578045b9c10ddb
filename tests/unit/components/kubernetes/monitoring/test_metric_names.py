"""Every alert expression and dashboard query uses only metrics documented in docs/metrics.md."""

from __future__ import annotations

import re

from components.kubernetes.monitoring.dashboards import dashboards_json, panel_queries
from components.kubernetes.monitoring.rules import alerts
from tests.support import REPO_ROOT

FUNCTIONS_AND_KEYWORDS = {
    "sum",
    "max",
    "min",
    "avg",
    "count",
    "rate",
    "increase",
    "histogram_quantile",
    "time",
    "absent",
    "by",
    "on",
    "and",
    "or",
    "unless",
    "without",
    "ignoring",
    "le",
}


def documented() -> set[str]:
    text = (REPO_ROOT / "docs/metrics.md").read_text()
    names = set(re.findall(r"`((?:mlfleet|DCGM|kube)_[A-Za-z0-9_]+)`", text))
    return names | {f"{n}_{s}" for n in names for s in ("bucket", "sum", "count")}


def metric_names(expr: str) -> set[str]:
    stripped = re.sub(r"\{[^}]*\}|\"[^\"]*\"|\[[^\]]*\]", "", expr)
    stripped = re.sub(r"\b(by|on|without|ignoring)\s*\([^)]*\)", "", stripped)
    return {t for t in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", stripped) if t not in FUNCTIONS_AND_KEYWORDS}


def test_alerts_use_documented_metrics() -> None:
    for alert in alerts():
        assert metric_names(alert["expr"]) <= documented(), alert["alert"]


def test_dashboards_use_documented_metrics() -> None:
    queries = [q for board in dashboards_json().values() for q in panel_queries(board)]
    assert len(queries) >= 10
    for query in queries:
        assert metric_names(query), query
        assert metric_names(query) <= documented(), query


def test_checker_catches_an_undocumented_metric() -> None:
    assert metric_names('sum by (model) (rate(mlfleet_requests_totl{status="500"}[5m]))') - documented()
