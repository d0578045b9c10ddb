"""The Prometheus metrics of docs/metrics.md (the contract with the monitoring stack), on a registry
of our own. Labelled children are cached because `.labels()` is the costly part per request."""

from __future__ import annotations

from typing import Any

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# `_created` series are not in the contract (and are noise for alerting).
prometheus_client.disable_created_metrics()

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)
REQUEST_LABELS = ("route", "model", "version", "variant", "status")


class ServingMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("mlfleet_requests", "Requests answered", REQUEST_LABELS, registry=r)
        self.duration = Histogram(
            "mlfleet_request_duration_seconds",
            "Request latency",
            REQUEST_LABELS,
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "mlfleet_requests_in_flight", "Requests being processed", ["route"], registry=r
        )
        self.batch_size = Histogram(
            "mlfleet_batch_size",
            "Rows per inference request",
            ["model", "variant"],
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.batch_requests = Histogram(
            "mlfleet_inference_batch_requests",
            "Requests merged into one off-loop model call (adaptive batching)",
            ["model", "variant"],
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.predictions = Counter(
            "mlfleet_predictions",
            "Predictions by class",
            ["model", "version", "variant", "class"],
            registry=r,
        )
        self.prediction_value = Histogram(
            "mlfleet_prediction_value",
            "Predicted values (regression)",
            ["model", "version", "variant"],
            registry=r,
        )
        self.drift = Gauge(
            "mlfleet_feature_drift_psi", "PSI of the live window", ["model", "version", "feature"], registry=r
        )
        self.model_info = Gauge(
            "mlfleet_model_info",
            "Served version per variant",
            ["model", "version", "alias", "variant"],
            registry=r,
        )
        self.model_ready = Gauge(
            "mlfleet_model_ready", "A verified model is serving", ["model", "variant"], registry=r
        )
        self.model_created = Gauge(
            "mlfleet_model_created_timestamp_seconds",
            "Manifest created_at of the served version",
            ["model", "version", "variant"],
            registry=r,
        )
        self.model_loaded = Gauge(
            "mlfleet_model_loaded_timestamp_seconds",
            "When the served version was loaded",
            ["model", "variant"],
            registry=r,
        )
        self.load_failures = Counter(
            "mlfleet_model_load_failures",
            "Failed loads/verifications",
            ["model", "alias", "reason"],
            registry=r,
        )
        self.shadow_predictions = Counter(
            "mlfleet_shadow_predictions",
            "Rows scored by the shadow candidate",
            ["model", "version"],
            registry=r,
        )
        self.shadow_disagreements = Counter(
            "mlfleet_shadow_disagreements",
            "Shadow rows that disagreed with the served prediction",
            ["model", "version"],
            registry=r,
        )
        self._children: dict[tuple[Any, ...], Any] = {}

    def child(self, metric: Any, *labels: str) -> Any:
        key = (id(metric), *labels)
        found = self._children.get(key)
        if found is None:
            if len(self._children) > 50_000:
                self._children.clear()
            found = self._children[key] = metric.labels(*labels)
        return found

    def observe_request(
        self, route: str, model: str, version: str, variant: str, status: str, seconds: float
    ) -> None:
        self.child(self.requests, route, model, version, variant, status).inc()
        self.child(self.duration, route, model, version, variant, status).observe(seconds)

    def forget(self, metric: Any, *labels: str) -> None:
        """Drop a label set (e.g. the old version after a swap) from output and cache."""
        try:
            metric.remove(*labels)
        except KeyError:
            pass
        self._children.pop((id(metric), *labels), None)


def metric_names(registry: CollectorRegistry) -> set[str]:
    """Family names a registry exposes (counters with their `_total`)."""
    names = set()
    for family in registry.collect():
        names.add(family.name + "_total" if family.type == "counter" else family.name)
    return names
