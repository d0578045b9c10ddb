"""Grafana dashboards as code (grafana-foundation-sdk, Grafana 11.6), provisioned by ConfigMaps that
the Grafana sidecar of kube-prometheus-stack loads (label `grafana_dashboard: "1"`)."""

from __future__ import annotations

import json

from grafana_foundation_sdk.builders import dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder

# (title, unit, PromQL, legend): every query uses only metrics from docs/metrics.md.
_SERVING_PANELS: list[tuple[str, str, str, str]] = [
    (
        "Requests per second",
        "reqps",
        "sum by (model, status) (rate(mlfleet_requests_total[5m]))",
        "{{model}} {{status}}",
    ),
    (
        "p99 latency",
        "s",
        "histogram_quantile(0.99, sum by (le, model) (rate(mlfleet_request_duration_seconds_bucket[5m])))",
        "{{model}}",
    ),
    (
        "5xx ratio",
        "percentunit",
        'sum by (model) (rate(mlfleet_requests_total{status=~"5.."}[5m]))'
        " / sum by (model) (rate(mlfleet_requests_total[5m]))",
        "{{model}}",
    ),
    ("Requests in flight", "short", "sum by (route) (mlfleet_requests_in_flight)", "{{route}}"),
    (
        "Batch size p50",
        "short",
        "histogram_quantile(0.5, sum by (le, model) (rate(mlfleet_batch_size_bucket[5m])))",
        "{{model}}",
    ),
    (
        "Predictions by class",
        "short",
        "sum by (model, class) (rate(mlfleet_predictions_total[5m]))",
        "{{class}}",
    ),
    ("Feature drift (PSI)", "short", "max by (model, feature) (mlfleet_feature_drift_psi)", "{{feature}}"),
    (
        "Shadow disagreement ratio",
        "percentunit",
        "sum by (model) (rate(mlfleet_shadow_disagreements_total[15m]))"
        " / sum by (model) (rate(mlfleet_shadow_predictions_total[15m]))",
        "{{model}}",
    ),
    (
        "Model load failures",
        "short",
        "sum by (model, reason) (increase(mlfleet_model_load_failures_total[1h]))",
        "{{reason}}",
    ),
]

_SERVING_STATS: list[tuple[str, str, str]] = [
    ("Model ready", "short", "min by (model, variant) (mlfleet_model_ready)"),
    ("Served version", "short", "max by (model, version, alias, variant) (mlfleet_model_info)"),
    (
        "Model age",
        "s",
        'time() - max by (model) (mlfleet_model_created_timestamp_seconds{variant="primary"})',
    ),
    ("Since last swap", "s", "time() - max by (model) (mlfleet_model_loaded_timestamp_seconds)"),
]

_GPU_PANELS: list[tuple[str, str, str, str]] = [
    ("GPU utilisation", "percent", "avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL)", "{{Hostname}}"),
    ("GPU nodes", "short", 'count(kube_node_labels{label_mlfleet_io_pool="gpu"})', "nodes"),
    (
        "Allocatable GPUs",
        "short",
        'sum(kube_node_status_capacity{resource="nvidia_com_gpu"})',
        "GPUs",
    ),
]


def _query(expr: str, legend: str = "") -> prometheus.Dataquery:
    query = prometheus.Dataquery().expr(expr).ref_id("A")
    return query.legend_format(legend) if legend else query


def _series(title: str, unit: str, expr: str, legend: str) -> timeseries.Panel:
    return timeseries.Panel().title(title).unit(unit).with_target(_query(expr, legend)).height(8).span(12)


def serving_dashboard() -> dashboard.Dashboard:
    board = dashboard.Dashboard("mlfleet serving").uid("mlfleet-serving").tags(["mlfleet"]).refresh("30s")
    board = board.time("now-6h", "now")
    for title, unit, expr in _SERVING_STATS:
        board = board.with_panel(
            stat.Panel().title(title).unit(unit).with_target(_query(expr)).height(4).span(6)
        )
    for panel in _SERVING_PANELS:
        board = board.with_panel(_series(*panel))
    return board


def gpu_dashboard() -> dashboard.Dashboard:
    board = dashboard.Dashboard("mlfleet GPU training").uid("mlfleet-gpu").tags(["mlfleet"]).refresh("1m")
    for panel in _GPU_PANELS:
        board = board.with_panel(_series(*panel))
    return board


def dashboards_json() -> dict[str, str]:
    """File name -> dashboard JSON, deterministic (sorted keys) so previews do not show spurious diffs."""
    return {
        f"{board.build().uid}.json": json.dumps(board.build(), cls=JSONEncoder, sort_keys=True, indent=2)
        for board in (serving_dashboard(), gpu_dashboard())
    }


def panel_queries(board_json: str) -> list[str]:
    """Every PromQL expression of a dashboard (used by the metric-name tests)."""
    return [
        target["expr"] for panel in json.loads(board_json)["panels"] for target in panel.get("targets", [])
    ]
