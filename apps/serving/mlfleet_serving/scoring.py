"""The inference hot path shared by /predict and v2 infer: read, validate, score, record."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson
from fastapi import Request

from mlfleet_serving.batching import batcher_for, run_model
from mlfleet_serving.errors import ApiError
from mlfleet_serving.models import ServedModel
from mlfleet_serving.settings import ServingSettings
from mlfleet_serving.state import ServingState
from mlfleet_serving.validation import RowErrors, body_matrix, check_values, require_json

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


def admit(
    state: ServingState,
    labels: dict[str, Any],
    api_key: str | None,
    authorization: str | None,
    model_name: str | None,
    version: str | None,
    routing_key: str | None,
) -> ServedModel:
    """Authenticate (401), rate-limit per principal (429) and pick the model that answers (404,
    503), labelling the request as it goes: every inference request, REST or gRPC, passes here."""
    principal = state.auth.authenticate_values(api_key, authorization)
    labels["principal"] = principal
    state.limiter.check(principal)
    name = state.settings.model if model_name is None else model_name
    served = pick_served(state, name, version, routing_key)
    labels["model"] = served.name
    labels["version"] = served.version
    labels["variant"] = served.variant
    return served


class Scored:
    """A scored request: the payload, the rows scored and their predictions (and class
    probabilities when asked for), range flags, the v2 outputs asked for, and the per-row outcome
    when some rows were rejected (then `x`, `y` and `proba` hold only the scored rows)."""

    __slots__ = ("flags", "outputs", "payload", "proba", "rows", "x", "y")

    def __init__(
        self,
        payload: Any,
        x: np.ndarray,
        y: np.ndarray,
        proba: np.ndarray | None,
        flags: list[dict[str, Any]],
        outputs: tuple[str, ...],
        rows: RowErrors | None,
    ) -> None:
        self.payload, self.x, self.y, self.proba = payload, x, y, proba
        self.flags, self.outputs, self.rows = flags, outputs, rows


PREDICT_ONLY = ("predict",)
V2_OUTPUTS = ("predict", "probabilities")
ROW_ERRORS = ("report", "fail")


async def score(state: ServingState, served: ServedModel, body: bytes, v2: bool) -> Scored:
    """A REST body (/predict or v2 JSON): parse, then `infer`."""
    payload, x = body_matrix(body, v2, served.bounds, state.settings.max_batch_rows)
    outputs, per_row = v2_options(payload) if v2 else predict_options(payload)
    return await infer(state, served, x, outputs, per_row, payload)


async def infer(
    state: ServingState,
    served: ServedModel,
    x: np.ndarray,
    outputs: tuple[str, ...] = PREDICT_ONLY,
    per_row: bool = True,
    payload: Any = None,
) -> Scored:
    """THE data plane's predict entry: every protocol adapter (REST fast path, FastAPI routes, gRPC)
    calls this with a parsed [rows, features] matrix. It checks values against the schema ranges
    (per-row outcomes unless `per_row` is False), scores inline or off the event loop with adaptive
    batching (batching.py), and records metrics and drift. `outputs` and `per_row` come from
    `v2_options` (v2 `outputs` and `parameters`) or `predict_options`; `payload` is the request (for
    its `id`). Raises ApiError (4xx) for input the model cannot take."""
    settings = state.settings
    x, flags, rows = check_values(x, served.bounds, settings.range_policy, per_row)
    proba = "probabilities" in outputs
    if proba and served.predict_proba is None:
        raise ApiError(
            422,
            "invalid_input",
            f"model {served.name} {served.version} ({served.task}) has no class probabilities",
        )
    if len(x) < offload_min_rows(served, settings):  # inline: a thread hop would cost more
        y, p = run_model(served.predict, served.predict_proba, x, proba)
    else:
        y, p = await batcher_for(served, settings, _batch_observer(state, served)).submit(x, proba)
    record(state, served, x, y)
    return Scored(payload, x, y, p, flags, outputs, rows)


def offload_min_rows(served: ServedModel, settings: ServingSettings) -> int:
    """Rows from which a request is scored off the loop. ONNX Runtime scores a few rows in
    microseconds, less than a thread hop, so small requests stay inline. A scikit-learn forest costs
    milliseconds per call whatever the rows (the 50-tree reference model, best of 70 calls here:
    2.3 ms for 1 row, 4.6 ms for 16), so with that runtime every request goes to the batcher: the
    loop stays free and concurrent requests share one call."""
    return settings.offload_min_rows if served.runtime == "onnx" else 1


def _batch_observer(state: ServingState, served: ServedModel) -> Callable[[int], None]:
    m = state.metrics
    histogram = m.child(m.batch_requests, served.name, served.variant)
    return histogram.observe  # type: ignore[no-any-return]


def _flag(value: Any, where: str, default: bool) -> bool:
    if value is None:
        return default
    if value is not True and value is not False:
        raise ApiError(422, "invalid_input", f"{where} must be true or false, got {value!r:.40}")
    return bool(value)


def _per_row(options: dict[str, Any], where: str) -> bool:
    """`row_errors`: "report" (default: a row out of the schema range gets its own error and the
    other rows are scored) or "fail" (all or nothing: 422 for the whole request). `all_or_nothing`
    (true/false) is the older spelling of the same choice; give one of them."""
    mode, atomic = options.get("row_errors"), options.get("all_or_nothing")
    if mode is not None and atomic is not None:
        raise ApiError(422, "invalid_input", f"give {where}row_errors or {where}all_or_nothing, not both")
    if atomic is not None:
        return not _flag(atomic, f"{where}all_or_nothing", False)
    if mode is None:
        return True
    if mode not in ROW_ERRORS:
        raise ApiError(
            422, "invalid_input", f'{where}row_errors must be "report" or "fail", got {mode!r:.40}'
        )
    return bool(mode == "report")


def predict_options(payload: dict[str, Any]) -> tuple[tuple[str, ...], bool]:
    """/predict: `return_probabilities` (default false), `row_errors` (see _per_row)."""
    proba = _flag(payload.get("return_probabilities"), "return_probabilities", False)
    return (V2_OUTPUTS if proba else PREDICT_ONLY), _per_row(payload, "")


def v2_options(payload: dict[str, Any]) -> tuple[tuple[str, ...], bool]:
    """v2 (REST and gRPC, given the request as a dict): `outputs` names the output tensors wanted
    (default: predict), `parameters.row_errors` as on /predict (default "report": per-row outcomes)."""
    params = payload.get("parameters")
    if params is not None and not isinstance(params, dict):
        raise ApiError(422, "invalid_input", "parameters must be an object")
    per_row = _per_row(params or {}, "parameters.")
    requested = payload.get("outputs")
    if requested is None:
        return PREDICT_ONLY, per_row
    names = []
    if isinstance(requested, list):
        names = [o.get("name") if isinstance(o, dict) else None for o in requested]
    # Names checked before the set: a name may be any JSON value, e.g. an unhashable object.
    if not names or not all(name in V2_OUTPUTS for name in names) or len(set(names)) != len(names):
        raise ApiError(
            422,
            "invalid_input",
            'outputs must be a non-empty list of distinct {"name": ...} with names among '
            f"{list(V2_OUTPUTS)}, got {requested!r:.80}",
        )
    return (PREDICT_ONLY if names == ["predict"] else tuple(str(name) for name in names)), per_row


def response_body(scored: Scored, served: ServedModel, v2: bool, request_id: str) -> bytes:
    y, proba, rows = scored.y, scored.proba, scored.rows
    n = len(y) if rows is None else rows.rows
    predictions: Any = y if rows is None else _spread(y.tolist(), rows)
    body: dict[str, Any]
    if v2:
        outputs: list[dict[str, Any]] = []
        for name in scored.outputs:
            if name == "predict":
                outputs.append({"name": name, "shape": [n], "datatype": _datatype(y), "data": predictions})
            else:
                assert proba is not None
                k = len(served.proba_classes)
                data: Any = proba.reshape(-1)
                if rows is not None:
                    data = [p for row in _spread(proba.tolist(), rows, [None] * k) for p in row]
                outputs.append(
                    {
                        "name": name,
                        "shape": [n, k],
                        "datatype": "FP64",
                        "data": data,
                        "parameters": {"classes": served.proba_classes},
                    }
                )
        payload = scored.payload or {}
        body = {
            "model_name": served.name,
            "model_version": served.version,
            "id": str(payload.get("id") or request_id),
            "outputs": outputs,
        }
        if scored.flags or rows is not None:
            parameters: dict[str, Any] = {}
            body["parameters"] = parameters
            if scored.flags:
                parameters["flags"] = scored.flags
            if rows is not None:
                parameters["errors"] = rows.errors
    else:
        body = {
            "predictions": predictions,
            "model": served.name,
            "version": served.version,
            "variant": served.variant,
        }
        if proba is not None:
            body["probabilities"] = proba if rows is None else _spread(proba.tolist(), rows)
            body["classes"] = served.proba_classes
        if scored.flags:
            body["flags"] = scored.flags
        if rows is not None:
            body["errors"] = rows.errors
    return orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)


def _spread(values: list[Any], rows: RowErrors, missing: Any = None) -> list[Any]:
    """Values of the scored rows at their places in the request, `missing` at the rejected ones."""
    out = [missing] * rows.rows
    for index, value in zip(rows.scored.tolist(), values, strict=True):
        out[index] = value
    return out


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
