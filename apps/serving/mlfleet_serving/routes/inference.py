"""POST /predict and the v2 infer endpoints."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import Response

from mlfleet_serving.schemas import ERRORS, PREDICT_BODY, V2_INFER_BODY, PredictResponse, V2InferResponse
from mlfleet_serving.scoring import label, pick_model, read_body, record, run_shadow
from mlfleet_serving.state import authorize, get_state
from mlfleet_serving.validation import check_values, parse_json, predict_matrix, v2_matrix

router = APIRouter()
SECURED: dict[str, Any] = {"security": [{"ApiKey": []}, {"Bearer": []}]}


def _respond(
    body: dict[str, Any], served_version: str, variant: str, task: BackgroundTask | None
) -> Response:
    return Response(
        orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY),
        media_type="application/json",
        headers={"x-model-version": served_version, "x-model-variant": variant},
        background=task,
    )


async def _score(request: Request, version: str | None, model_name: str, v2: bool) -> tuple[Any, ...]:
    state = get_state(request)
    authorize(request, state)
    served = pick_model(request, state, model_name, version)
    label(request, served)
    body = await read_body(request, state.settings.max_body_bytes)
    payload = parse_json(body)
    settings = state.settings
    parse = v2_matrix if v2 else predict_matrix
    x = parse(payload, served.bounds, settings.max_batch_rows, b"true" in body or b"false" in body)
    x, flags = check_values(x, served.bounds, settings.range_policy)
    y = served.predict(x)
    record(state, served, x, y)
    shadow = state.manager.shadow
    task = (
        BackgroundTask(run_shadow, state, y, x) if shadow is not None and shadow.current is not None else None
    )
    return payload, served, y, flags, task


@router.post(
    "/predict",
    response_model=None,
    responses={200: {"model": PredictResponse}, **ERRORS},
    openapi_extra={"requestBody": PREDICT_BODY, **SECURED},
    summary="Predict rows",
)
async def predict(request: Request) -> Response:
    _, served, y, flags, task = await _score(request, None, get_state(request).settings.model, v2=False)
    body: dict[str, Any] = {
        "predictions": y,
        "model": served.name,
        "version": served.version,
        "variant": served.variant,
    }
    if flags:
        body["flags"] = flags
    return _respond(body, served.version, served.variant, task)


def _datatype(y: np.ndarray) -> str:
    return {"i": "INT64", "u": "UINT64", "f": "FP64", "b": "BOOL"}.get(y.dtype.kind, "BYTES")


async def _infer(request: Request, model_name: str, model_version: str | None) -> Response:
    payload, served, y, flags, task = await _score(request, model_version, model_name, v2=True)
    out_name = "predict"
    body: dict[str, Any] = {
        "model_name": served.name,
        "model_version": served.version,
        "id": str(payload.get("id") or request.scope["mlfleet"]["request_id"]),
        "outputs": [{"name": out_name, "shape": [len(y)], "datatype": _datatype(y), "data": y}],
    }
    if flags:
        body["parameters"] = {"flags": flags}
    return _respond(body, served.version, served.variant, task)


@router.post(
    "/v2/models/{model_name}/infer",
    response_model=None,
    responses={200: {"model": V2InferResponse}, **ERRORS},
    openapi_extra={"requestBody": V2_INFER_BODY, **SECURED},
    summary="Open Inference Protocol v2 infer",
)
async def infer(request: Request, model_name: str) -> Response:
    return await _infer(request, model_name, None)


@router.post(
    "/v2/models/{model_name}/versions/{model_version}/infer",
    response_model=None,
    responses={200: {"model": V2InferResponse}, **ERRORS},
    openapi_extra={"requestBody": V2_INFER_BODY, **SECURED},
    summary="Open Inference Protocol v2 infer on a pinned version",
)
async def infer_version(request: Request, model_name: str, model_version: str) -> Response:
    return await _infer(request, model_name, model_version)


async def _predict_fast(request: Request) -> Response:
    return await predict(request)


async def _infer_fast(request: Request) -> Response:
    return await _infer(request, request.path_params["model_name"], None)


async def _infer_version_fast(request: Request) -> Response:
    params = request.path_params
    return await _infer(request, params["model_name"], params["model_version"])


# The same handlers as plain Starlette routes, registered ahead of the documented FastAPI routes:
# they take the requests and skip FastAPI's per-request dependency solving (the handlers parse the
# body themselves), while the FastAPI routes above stay the OpenAPI contract.
FAST_ROUTES = [
    ("/predict", _predict_fast),
    ("/v2/models/{model_name}/infer", _infer_fast),
    ("/v2/models/{model_name}/versions/{model_version}/infer", _infer_version_fast),
]
