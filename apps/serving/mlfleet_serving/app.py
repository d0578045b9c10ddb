"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import copy
import gc
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from mlfleet_serving import __version__
from mlfleet_serving.auth import Authenticator, ConfigError
from mlfleet_serving.errors import install_handlers
from mlfleet_serving.fastpath import INFER, INFER_VERSION, InferenceFastPath, match
from mlfleet_serving.metrics import ServingMetrics
from mlfleet_serving.middleware import ObservabilityMiddleware, Observer
from mlfleet_serving.models import ModelManager
from mlfleet_serving.ratelimit import RateLimiter
from mlfleet_serving.routes import inference, ops, v2
from mlfleet_serving.schemas import model_bodies
from mlfleet_serving.settings import ServingSettings
from mlfleet_serving.state import ServingState


class ServingApp(FastAPI):
    """FastAPI with the inference fast path in front (see fastpath.py)."""

    fast_path: InferenceFastPath | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fast = self.fast_path
        if fast is not None and scope["type"] == "http" and scope["method"] == "POST":
            found = match(scope["path"])
            if found is not None:
                await fast.handle(scope, receive, send, *found)
                return
        await super().__call__(scope, receive, send)


def create_app(
    settings: ServingSettings,
    *,
    registry: Any = None,
    extra_key_hashes: Mapping[str, str] | None = None,
    poll: bool = True,
) -> FastAPI:
    """Build the app. `registry` defaults to `open_registry(settings.registry)`; `extra_key_hashes`
    (sha256 -> name) adds keys held only in memory, e.g. a generated dev key."""
    metrics = ServingMetrics()
    state = ServingState(
        settings=settings,
        metrics=metrics,
        auth=Authenticator(settings, extra_key_hashes),
        limiter=RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst),
        manager=ModelManager(settings, metrics, registry),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(state.manager.refresh)  # not ready until this loads a model
        # Everything loaded so far (frameworks, the model) lives as long as the process: move it out
        # of the collector's generations so that a full collection does not walk ~200k objects
        # (a 0.1-0.2 s pause in the middle of serving).
        gc.collect()
        gc.freeze()
        if poll:
            state.manager.start_polling()
        flusher = asyncio.create_task(_flush_access_log(observer)) if settings.access_log else None
        try:
            yield
        finally:
            state.manager.stop_polling()
            if flusher is not None:
                flusher.cancel()
                observer.flush()

    app = ServingApp(
        title="mlfleet serving",
        version=__version__,
        description="Model server: Open Inference Protocol v2 and /predict. Auth: X-API-Key or Bearer.",
        lifespan=lifespan,
    )
    app.state.serving = state
    install_handlers(app)
    app.include_router(inference.router)
    app.include_router(v2.router)
    app.include_router(ops.router)
    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "x-api-key", "content-type", settings.routing_key_header],
        )
    observer = Observer(metrics, settings.access_log)
    app.state.observer = observer  # the gRPC endpoint counts its requests with it too (grpc/)
    app.add_middleware(ObservabilityMiddleware, observer=observer, routes=_flat_routes(app.router.routes))
    if settings.otel_enabled:
        try:
            from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        except ImportError:
            raise ConfigError(
                "MLFLEET_OTEL_ENABLED=true needs opentelemetry-instrumentation-fastapi and an exporter; "
                "install them in the image or unset MLFLEET_OTEL_ENABLED"
            ) from None
        FastAPIInstrumentor.instrument_app(app)
    else:
        # OpenTelemetry instruments the framework's stack, so it then sees every request there.
        app.fast_path = InferenceFastPath(partial(FastAPI.__call__, app), state, observer)
    _add_security_schemes(app, state)
    return app


async def _flush_access_log(observer: Observer, every: float = 0.5) -> None:
    """The access log is written to a buffer (no syscall per request); flush it twice a second so
    that lines reach the log collector promptly, also when traffic stops."""
    while True:
        await asyncio.sleep(every)
        observer.flush()


def _flat_routes(routes: list[Any]) -> list[Any]:
    """Routes with a `path` template; FastAPI wraps included routers, so unwrap them."""
    flat: list[Any] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            flat.extend(_flat_routes(list(inner.routes)))
        elif hasattr(route, "path"):
            flat.append(route)
    return flat


def _add_security_schemes(app: FastAPI, state: ServingState) -> None:
    """Security schemes, and request bodies that describe what the served model accepts (built per
    call: a hot swap may change the feature schema)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        schema = copy.deepcopy(original())
        schema.setdefault("components", {})["securitySchemes"] = {
            "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "Bearer": {"type": "http", "scheme": "bearer", "description": "API key or JWT"},
        }
        slot = state.manager.primary
        served = slot.current if slot is not None else None
        if served is not None:
            bounds = served.bounds
            predict, v2 = model_bodies(
                bounds.names,
                bounds.mins.tolist(),
                bounds.maxs.tolist(),
                state.settings.range_policy,
                state.settings.max_batch_rows,
                probabilities=served.predict_proba is not None,
            )
            for path, body in (("/predict", predict), (INFER, v2), (INFER_VERSION, v2)):
                content = schema["paths"][path]["post"]["requestBody"]["content"]
                content["application/json"]["schema"] = body
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
