"""POST /predict and the v2 infer endpoints (the documented FastAPI routes).

Requests to these paths are normally answered by `fastpath.InferenceFastPath` in front of the
framework (same scoring code, same responses); these routes are the OpenAPI contract and serve
the requests the fast path hands on (CORS requests with an Origin header, OpenTelemetry on)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import Response

from mlfleet_serving.schemas import ERRORS, PREDICT_BODY, V2_INFER_BODY, PredictResponse, V2InferResponse
from mlfleet_serving.scoring import (
    label,
    label_model,
    pick_model,
    read_body,
    response_body,
    run_shadow,
    score,
)
from mlfleet_serving.state import authorize, get_state

router = APIRouter()
SECURED: dict[str, Any] = {"security": [{"ApiKey": []}, {"Bearer": []}]}


async def _handle(request: Request, model_name: str | None, version: str | None, v2: bool) -> Response:
    state = get_state(request)
    label_model(request.scope["mlfleet"], state, model_name)
    authorize(request, state)
    served = pick_model(request, state, model_name or state.settings.model, version)
    label(request, served)
    body = await read_body(request, state.settings.max_body_bytes)
    scored = await score(state, served, body, v2)
    shadow = state.manager.shadow
    task = (
        BackgroundTask(run_shadow, state, scored.y, scored.x)
        if shadow is not None and shadow.current is not None
        else None
    )
    return Response(
        response_body(scored, served, v2, request.scope["mlfleet"]["request_id"]),
        media_type="application/json",
        headers={"x-model-version": served.version, "x-model-variant": served.variant},
        background=task,
    )


@router.post(
    "/predict",
    response_model=None,
    responses={200: {"model": PredictResponse}, **ERRORS},
    openapi_extra={"requestBody": PREDICT_BODY, **SECURED},
    summary="Predict rows",
)
async def predict(request: Request) -> Response:
    return await _handle(request, None, None, v2=False)


@router.post(
    "/v2/models/{model_name}/infer",
    response_model=None,
    responses={200: {"model": V2InferResponse}, **ERRORS},
    openapi_extra={"requestBody": V2_INFER_BODY, **SECURED},
    summary="Open Inference Protocol v2 infer",
)
async def infer(request: Request, model_name: str) -> Response:
    return await _handle(request, model_name, None, v2=True)


@router.post(
    "/v2/models/{model_name}/versions/{model_version}/infer",
    response_model=None,
    responses={200: {"model": V2InferResponse}, **ERRORS},
    openapi_extra={"requestBody": V2_INFER_BODY, **SECURED},
    summary="Open Inference Protocol v2 infer on a pinned version",
)
async def infer_version(request: Request, model_name: str, model_version: str) -> Response:
    return await _handle(request, model_name, model_version, v2=True)
