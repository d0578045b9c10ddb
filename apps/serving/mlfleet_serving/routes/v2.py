"""Open Inference Protocol v2: server and model health and metadata."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from mlfleet_serving import __version__
from mlfleet_serving.errors import ApiError
from mlfleet_serving.models import ServedModel
from mlfleet_serving.routes.inference import SECURED
from mlfleet_serving.schemas import ERRORS, V2ModelMetadata, V2ServerMetadata
from mlfleet_serving.scoring import label, label_model, pick_model
from mlfleet_serving.state import ServingState, authorize, get_state

router = APIRouter(prefix="/v2")


@router.get("/health/live", summary="Server live (no auth)")
async def live() -> dict[str, bool]:
    return {"live": True}


@router.get("/health/ready", summary="Server ready: a model is loaded (no auth)", responses={503: {}})
async def ready(request: Request) -> JSONResponse:
    is_ready = get_state(request).manager.ready
    return JSONResponse({"ready": is_ready}, status_code=200 if is_ready else 503)


@router.get("", response_model=V2ServerMetadata, summary="Server metadata")
async def server_metadata() -> dict[str, Any]:
    return {"name": "mlfleet-serving", "version": __version__, "extensions": []}


def _model_ready(request: Request, model_name: str, version: str | None) -> JSONResponse:
    state = get_state(request)
    label_model(request.scope["mlfleet"], state, model_name)
    try:
        label(request, pick_model(request, state, model_name, version))
    except ApiError as exc:
        if exc.status == 503:
            return JSONResponse({"name": model_name, "ready": False}, status_code=503)
        raise
    return JSONResponse({"name": model_name, "ready": True})


@router.get("/models/{model_name}/ready", summary="Model ready (no auth)", responses={404: ERRORS[404]})
async def model_ready(request: Request, model_name: str) -> JSONResponse:
    return _model_ready(request, model_name, None)


@router.get(
    "/models/{model_name}/versions/{model_version}/ready",
    summary="Model version ready (no auth)",
    responses={404: ERRORS[404]},
)
async def model_version_ready(request: Request, model_name: str, model_version: str) -> JSONResponse:
    return _model_ready(request, model_name, model_version)


def _metadata(request: Request, model_name: str, version: str | None) -> dict[str, Any]:
    state = get_state(request)
    label_model(request.scope["mlfleet"], state, model_name)
    authorize(request, state)
    served = pick_model(request, state, model_name, version)
    label(request, served)
    return metadata_of(state, served)


def metadata_of(state: ServingState, served: ServedModel) -> dict[str, Any]:
    """A served model's v2 metadata (REST and gRPC ModelMetadata)."""
    manager = state.manager
    versions = [s.current.version for s in (manager.primary, manager.canary) if s is not None and s.current]
    out_type = "INT64" if all(isinstance(c, int) for c in served.classes) and served.classes else "BYTES"
    if served.task != "classification":
        out_type = "FP64"
    return {
        "name": served.name,
        "versions": sorted(set(versions)),
        "platform": f"sklearn/{served.runtime}",
        "inputs": [{"name": "input-0", "datatype": "FP64", "shape": [-1, len(served.bounds.names)]}],
        "outputs": [
            {"name": "predict", "datatype": out_type, "shape": [-1]},
            *(
                [{"name": "probabilities", "datatype": "FP64", "shape": [-1, len(served.proba_classes)]}]
                if served.predict_proba is not None
                else []
            ),
        ],
        "parameters": {
            "version": served.version,
            "alias": served.alias,
            "task": served.task,
            "classes": served.classes,
            "feature_schema": served.feature_schema,
            "range_policy": state.settings.range_policy,
            "metrics": served.metrics,
        },
    }


@router.get(
    "/models/{model_name}",
    response_model=V2ModelMetadata,
    responses=ERRORS,
    openapi_extra=SECURED,
    summary="Model metadata, including the feature schema",
)
async def model_metadata(request: Request, model_name: str) -> dict[str, Any]:
    return _metadata(request, model_name, None)


@router.get(
    "/models/{model_name}/versions/{model_version}",
    response_model=V2ModelMetadata,
    responses=ERRORS,
    openapi_extra=SECURED,
    summary="Model version metadata",
)
async def model_version_metadata(request: Request, model_name: str, model_version: str) -> dict[str, Any]:
    return _metadata(request, model_name, model_version)
