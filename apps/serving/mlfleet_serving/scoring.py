"""The inference hot path shared by /predict and v2 infer: read, validate, score, record."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import orjson
from fastapi import Request

from mlfleet_serving.errors import ApiError
from mlfleet_serving.models import ServedModel
from mlfleet_serving.state import ServingState
from mlfleet_serving.validation import check_values, parse_json, predict_matrix, require_json, v2_matrix

log = logging.getLogger("mlfleet.serving")


async def read_body(request: Request, limit: int) -> bytes:
    content_type = request.headers.get("content-type")
    require_json(None if content_type is None else content_type.encode("latin-1"))
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
    return pick_served(state, model_name, version, request.headers.get(state.settings.routing_key_header))


def pick_served(
    state: ServingState, model_name: str, version: str | None, routing_key: str | None
) -> ServedModel:
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
    served = manager.choose(routing_key)
    if served is None:
        raise ApiError(503, "not_ready", "no model is loaded yet; retry when /v2/health/ready says ready")
    return served


def score(
    state: ServingState, served: ServedModel, body: bytes, v2: bool
) -> tuple[Any, np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """Parse and validate a body, score it and record the metrics: (payload, x, y, flags)."""
    payload = parse_json(body)
    settings = state.settings
    parse = v2_matrix if v2 else predict_matrix
    x = parse(payload, served.bounds, settings.max_batch_rows, b"true" in body or b"false" in body)
    x, flags = check_values(x, served.bounds, settings.range_policy)
    y = served.predict(x)
    record(state, served, x, y)
    return payload, x, y, flags


def response_body(
    payload: Any, served: ServedModel, y: np.ndarray, flags: list[dict[str, Any]], v2: bool, request_id: str
) -> bytes:
    body: dict[str, Any]
    if v2:
        body = {
            "model_name": served.name,
            "model_version": served.version,
            "id": str(payload.get("id") or request_id),
            "outputs": [{"name": "predict", "shape": [len(y)], "datatype": _datatype(y), "data": y}],
        }
        if flags:
            body["parameters"] = {"flags": flags}
    else:
        body = {"predictions": y, "model": served.name, "version": served.version, "variant": served.variant}
        if flags:
            body["flags"] = flags
    return orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)


def _datatype(y: np.ndarray) -> str:
    return {"i": "INT64", "u": "UINT64", "f": "FP64", "b": "BOOL"}.get(y.dtype.kind, "BYTES")


def record(state: ServingState, served: ServedModel, x: np.ndarray, y: np.ndarray) -> None:
    m = state.metrics
    children = served.metric_children
    batch = children.get("batch")
    if batch is None:
        batch = children["batch"] = m.child(m.batch_size, served.name, served.variant)
    batch.observe(len(y))
    if served.task == "classification":
        if len(y) == 1:
            _class_counter(state, served, y[0]).inc()
        elif y.dtype.kind in "iu" and 0 <= y.min() and y.max() < 1024:
            counts = np.bincount(y)  # much cheaper than np.unique for small integer labels
            for index in np.flatnonzero(counts):
                _class_counter(state, served, y.dtype.type(index)).inc(int(counts[index]))
        else:
            values, counts = np.unique(y, return_counts=True)
            for value, count in zip(values.tolist(), counts.tolist(), strict=True):
                _class_counter(state, served, value).inc(count)
    else:
        histogram = m.child(m.prediction_value, served.name, served.version, served.variant)
        for value in y.tolist():
            histogram.observe(value)
    served.drift.record(x)


def _class_counter(state: ServingState, served: ServedModel, value: Any) -> Any:
    """The predictions counter child for a class, bound once per served model and class."""
    children = served.metric_children
    counter = children.get(value)
    if counter is None:
        m = state.metrics
        counter = m.child(m.predictions, served.name, served.version, served.variant, str(value))
        if len(children) < 1000:
            children[value] = counter
    return counter


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


def label_model(labels: dict[str, Any], state: ServingState, model_name: str | None) -> None:
    """The `model` label of a route that names a model, as soon as the name is known (so 401s and
    429s are attributed too); only the served model's name, so clients cannot add label values."""
    if model_name is None or model_name == state.settings.model:
        labels["model"] = state.settings.model


def label(request: Request, served: ServedModel) -> None:
    labels: dict[str, Any] = request.scope["mlfleet"]
    labels["model"] = served.name
    labels["version"] = served.version
    labels["variant"] = served.variant
