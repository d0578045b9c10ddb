"""GET /metrics (Prometheus, no auth)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from mlfleet_serving.state import get_state

router = APIRouter()


@router.get("/metrics", summary="Prometheus metrics (no auth)", response_class=Response)
async def metrics(request: Request) -> Response:
    state = get_state(request)
    state.manager.update_drift_metrics()  # PSI is computed per scrape, not per request
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
