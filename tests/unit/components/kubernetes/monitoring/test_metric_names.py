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
    "sum_over_time",
    "label_replace",
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
    # Recording rules are named level:metric (mlfleet:gpu_idle_usd_per_hour).
    names = set(re.findall(r"`((?:mlfleet|DCGM|kube)[_:][A-Za-z0-9_:]+)`", text))
    return names | {f"{n}_{s}" for n in names for s in ("bucket", "sum", "count")}


def metric_names(expr: str) -> set[str]:
    stripped = re.sub(r"\{[^}]*\}|\"[^\"]*\"|\[[^\]]*\]", "", expr)
    stripped = re.sub(r"\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)", "", stripped)
    return {t for t in re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", stripped) if t not in FUNCTIONS_AND_KEYWORDS}


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


def exported_series() -> set[str]:
    """Every series name the serving app's real metrics registry can expose."""
    from mlfleet_serving.metrics import ServingMetrics

    names: set[str] = set()
    for family in ServingMetrics().registry.collect():
        names.add(family.name)
        suffixes = {
            "counter": ("_total", "_created"),
            "histogram": ("_bucket", "_sum", "_count", "_created"),
        }.get(family.type, ())
        names.update(family.name + s for s in suffixes)
    return names


def test_every_mlfleet_metric_in_alerts_and_dashboards_is_exported_by_the_app() -> None:
    queries = [a["expr"] for a in alerts()]
    queries += [q for board in dashboards_json().values() for q in panel_queries(board)]
    used = {name for query in queries for name in metric_names(query) if name.startswith("mlfleet_")}
    assert used, "no serving metric referenced at all"
    assert used <= exported_series(), used - exported_series()
