"""The inference hot path shared by /predict and v2 infer: read, validate, score, record."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from fastapi import Request

from mlfleet_serving.errors import ApiError
from mlfleet_serving.models import ServedModel
from mlfleet_serving.state import ServingState

log = logging.getLogger("mlfleet.serving")


async def read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise ApiError(413, "body_too_large", f"the body is {length} bytes; the limit is {limit} bytes")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "body_too_large", f"the body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def pick_model(request: Request, state: ServingState, model_name: str, version: str | None) -> ServedModel:
    manager = state.manager
    if model_name != state.settings.model:
        raise ApiError(
            404,
            "model_not_found",
            f"model {model_name!r:.80} is not served here; try {state.settings.model!r}",
        )
    if version is not None:
        for slot in (manager.primary, manager.canary):
            if slot is not None and slot.current is not None and slot.current.version == version:
                return slot.current
        raise ApiError(
            404, "version_not_found", f"version {version!r:.80} of {model_name!r} is not being served"
        )
    served = manager.choose(request.headers.get(state.settings.routing_key_header))
    if served is None:
        raise ApiError(503, "not_ready", "no model is loaded yet; retry when /v2/health/ready says ready")
    return served


def record(state: ServingState, served: ServedModel, x: np.ndarray, y: np.ndarray) -> None:
    m = state.metrics
    m.child(m.batch_size, served.name, served.variant).observe(len(y))
    if served.task == "classification":
        if len(y) == 1:
            m.child(m.predictions, served.name, served.version, served.variant, str(y[0])).inc()
        else:
            values, counts = np.unique(y, return_counts=True)
            for value, count in zip(values.tolist(), counts.tolist(), strict=True):
                m.child(m.predictions, served.name, served.version, served.variant, str(value)).inc(count)
    else:
        histogram = m.child(m.prediction_value, served.name, served.version, served.variant)
        for value in y.tolist():
            histogram.observe(value)
    served.drift.record(x)


async def run_shadow(state: ServingState, served_y: np.ndarray, x: np.ndarray) -> None:
    """Score the shadow candidate after the response is sent; never affects the client."""
    slot = state.manager.shadow
    shadow = slot.current if slot is not None else None
    if shadow is None:
        return
    try:
        y = shadow.predict(x)
        m = state.metrics
        m.child(m.shadow_predictions, shadow.name, shadow.version).inc(len(y))
        disagree = int(np.count_nonzero(np.asarray(y).astype(served_y.dtype, copy=False) != served_y))
        if disagree:
            m.child(m.shadow_disagreements, shadow.name, shadow.version).inc(disagree)
    except Exception as exc:  # noqa: BLE001 - the shadow must never take the service down
        log.warning("shadow scoring failed", extra={"version": shadow.version, "error": str(exc)[:300]})


def label(request: Request, served: ServedModel) -> None:
    labels: dict[str, Any] = request.scope["mlfleet"]
    labels["model"] = served.name
    labels["version"] = served.version
    labels["variant"] = served.variant
