"""Served models: load by alias from the registry, verify, compile, and swap atomically.

A swap is one reference assignment, so a request sees either the old or the new model, never a
mix. If the new version fails to load, verify or compile, the old one keeps serving and the
failure is logged and counted."""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from mlfleet_serving.drift import DriftWindow, _edges
from mlfleet_serving.metrics import ServingMetrics
from mlfleet_serving.runtime import Predict, PredictProba, RuntimeError_, build_predictor, verification_rows
from mlfleet_serving.settings import ServingSettings
from mlfleet_serving.validation import FeatureBounds

log = logging.getLogger("mlfleet.serving")


@dataclass
class ServedModel:
    name: str
    version: str
    alias: str
    variant: str
    task: str
    classes: list[Any]
    bounds: FeatureBounds
    predict: Predict
    predict_proba: PredictProba | None  # labels and class probabilities, for classifiers that have them
    runtime: str
    proba_classes: list[Any]  # the probability columns: the model's classes_, in its order
    feature_schema: list[dict[str, Any]]
    created_ts: float
    loaded_ts: float
    drift: DriftWindow
    metrics: dict[str, Any] = field(default_factory=dict)
    # Prometheus children bound to this model's labels (batch size, predictions per class).
    metric_children: dict[Any, Any] = field(default_factory=dict, repr=False)
    batcher: Any = field(default=None, repr=False)  # batching.Batcher, made on first large request


@dataclass
class Slot:
    variant: str  # primary | canary | shadow
    alias: str
    current: ServedModel | None = None
    confirmed: float | None = None  # time.monotonic() of the last successful read of the alias


def _spec_dict(spec: Any) -> dict[str, Any]:
    if hasattr(spec, "model_dump"):
        return dict(spec.model_dump())
    if isinstance(spec, dict):
        return dict(spec)
    return {k: getattr(spec, k, None) for k in ("name", "dtype", "min", "max")}


def _timestamp(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return 0.0


def build_served(loaded: Any, alias: str, variant: str, settings: ServingSettings) -> ServedModel:
    manifest = loaded.manifest
    schema = [_spec_dict(s) for s in manifest.feature_schema]
    names = [str(s["name"]) for s in schema]
    mins = np.array([-np.inf if s.get("min") is None else float(s["min"]) for s in schema])
    maxs = np.array([np.inf if s.get("max") is None else float(s["max"]) for s in schema])
    reference = dict(manifest.reference_stats or {})
    edges = [_edges(reference[n]["bin_edges"]) if n in reference else np.array([]) for n in names]
    runtime = build_predictor(
        loaded.model, len(names), verification_rows(mins, maxs, edges), settings.runtime
    )
    return ServedModel(
        name=manifest.name,
        version=str(manifest.version),
        alias=alias,
        variant=variant,
        task=str(manifest.task),
        classes=list(manifest.classes or []),
        bounds=FeatureBounds(names, mins, maxs),
        predict=runtime.predict,
        predict_proba=runtime.predict_proba,
        proba_classes=[] if runtime.predict_proba is None else np.asarray(loaded.model.classes_).tolist(),
        runtime=runtime.name,
        feature_schema=schema,
        created_ts=_timestamp(manifest.created_at),
        loaded_ts=time.time(),
        drift=DriftWindow(names, reference, settings.drift_window),
        metrics=dict(getattr(manifest, "metrics", None) or {}),
    )


def failure_reason(exc: BaseException) -> str:
    kind = type(exc).__name__
    return {
        "NotFound": "not_found",
        "IntegrityError": "integrity",
        "RuntimeError_": "verification",
    }.get(kind, "load_error")


class ModelManager:
    def __init__(self, settings: ServingSettings, metrics: ServingMetrics, registry: Any = None) -> None:
        self.settings = settings
        self.metrics = metrics
        if registry is None:
            from mlfleet_registry import open_registry

            registry = open_registry(settings.registry)
        self.registry = registry
        self.primary = Slot("primary", settings.alias)
        self.canary = Slot("canary", settings.canary_alias) if settings.canary_alias else None
        self.shadow = Slot("shadow", settings.shadow_alias) if settings.shadow_alias else None
        self.canary_weight = settings.canary_weight
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one refresh at a time (poller vs. explicit calls)
        for slot in self.slots():
            metrics.child(metrics.model_ready, settings.model, slot.variant).set(0)

    def slots(self) -> list[Slot]:
        return [s for s in (self.primary, self.canary, self.shadow) if s is not None]

    @property
    def ready(self) -> bool:
        return self.primary.current is not None and self.alias_fresh()

    def alias_fresh(self) -> bool:
        """Whether the serving alias was read from the registry within alias_max_age_seconds. A
        replica cut off from its registry keeps answering with its verified model, but reports
        not-ready so that a health-checked front door fails over to a cell that sees its registry."""
        limit = self.settings.alias_max_age_seconds
        confirmed = self.primary.confirmed
        return limit == 0 or (confirmed is not None and time.monotonic() - confirmed <= limit)

    def refresh(self) -> None:
        """Check every alias once; load and swap what moved."""
        with self._lock:
            for slot in self.slots():
                self._refresh_slot(slot)

    def _refresh_slot(self, slot: Slot) -> None:
        name = self.settings.model
        try:
            version = str(self.registry.resolve(name, slot.alias))
            slot.confirmed = time.monotonic()
            current = slot.current
            if current is not None and current.version == version:
                return
            served = build_served(self.registry.load(name, version), slot.alias, slot.variant, self.settings)
        except Exception as exc:  # noqa: BLE001 - any failure keeps the old model serving
            reason = failure_reason(exc)
            self.metrics.child(self.metrics.load_failures, name, slot.alias, reason).inc()
            log.error(
                "model load failed; keeping the current version",
                extra={
                    "model": name,
                    "alias": slot.alias,
                    "variant": slot.variant,
                    "reason": reason,
                    "error": str(exc)[:500],
                    "serving_version": slot.current.version if slot.current else None,
                },
            )
            return
        old = slot.current
        slot.current = served  # the atomic swap
        self._publish_metrics(old, served)
        log.info(
            "model swapped in",
            extra={
                "model": name,
                "alias": slot.alias,
                "variant": slot.variant,
                "version": served.version,
                "previous_version": old.version if old else None,
                "runtime": served.runtime,
            },
        )

    def _publish_metrics(self, old: ServedModel | None, new: ServedModel) -> None:
        m = self.metrics
        if old is not None:
            m.forget(m.model_info, old.name, old.version, old.alias, old.variant)
            m.forget(m.model_created, old.name, old.version, old.variant)
            if not any(s.current and s.current.version == old.version for s in self.slots()):
                for feature in old.bounds.names:
                    m.forget(m.drift, old.name, old.version, feature)
        m.child(m.model_info, new.name, new.version, new.alias, new.variant).set(1)
        m.child(m.model_created, new.name, new.version, new.variant).set(new.created_ts)
        m.child(m.model_loaded, new.name, new.variant).set(new.loaded_ts)
        m.child(m.model_ready, new.name, new.variant).set(1)

    def update_drift_metrics(self) -> None:
        for slot in self.slots():
            served = slot.current
            if served is None or slot.variant == "shadow":
                continue
            for feature, score in served.drift.scores().items():
                self.metrics.child(self.metrics.drift, served.name, served.version, feature).set(score)

    def choose(self, routing_key: str | None) -> ServedModel | None:
        """Primary or canary; sticky when the request carries a routing key."""
        canary = self.canary.current if self.canary is not None else None
        if canary is not None and self.canary_weight > 0:
            if routing_key is None:
                point = random.random()  # noqa: S311 - traffic split, not security
            else:
                digest = hashlib.blake2b(routing_key.encode(), digest_size=8).digest()
                point = int.from_bytes(digest, "big") / 2**64
            if point < self.canary_weight:
                return canary
        return self.primary.current

    def start_polling(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.settings.poll_interval_seconds):
                self.refresh()

        self._thread = threading.Thread(target=loop, name="mlfleet-alias-poller", daemon=True)
        self._thread.start()

    def stop_polling(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


__all__ = ["ModelManager", "RuntimeError_", "ServedModel", "Slot", "build_served"]
