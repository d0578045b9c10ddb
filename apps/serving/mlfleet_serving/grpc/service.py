"""`inference.GRPCInferenceService` (Open Inference Protocol v2) and `grpc.health.v1.Health`: thin
adapters over the data plane REST uses. Auth, rate limit, model choice (canary), validation,
scoring (batching), metrics, drift and shadow are the same functions the REST fast path calls
(scoring.admit / scoring.infer / scoring.run_shadow, Observer.done); errors are REST's ApiErrors
with the same messages, mapped to gRPC status codes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any, NoReturn

import grpc

from mlfleet_serving.errors import ApiError
from mlfleet_serving.grpc import grpc_predict_v2_pb2 as pb
from mlfleet_serving.grpc import grpc_predict_v2_pb2_grpc as pb_grpc
from mlfleet_serving.grpc import health_pb2, health_pb2_grpc
from mlfleet_serving.grpc.tensors import infer_response, request_payload
from mlfleet_serving.middleware import Observer, request_id_from
from mlfleet_serving.models import ServedModel
from mlfleet_serving.routes.v2 import metadata_of, server_metadata
from mlfleet_serving.scoring import admit, infer, label_model, pick_served, run_shadow, v2_options
from mlfleet_serving.state import ServingState
from mlfleet_serving.validation import v2_matrix

log = logging.getLogger("mlfleet.serving")

SERVICE = "inference.GRPCInferenceService"
# The REST status of an ApiError -> the gRPC code that means the same (gRPC's own mapping of HTTP
# codes, grpc/grpc doc/http-grpc-status-mapping.md, where there is one).
STATUS_CODES = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    404: grpc.StatusCode.NOT_FOUND,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    415: grpc.StatusCode.INVALID_ARGUMENT,
    422: grpc.StatusCode.INVALID_ARGUMENT,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    503: grpc.StatusCode.UNAVAILABLE,
}


def _route(method: str, service: str = SERVICE) -> str:
    """The `route` label of a gRPC method: its full name, as REST's are its templates."""
    return f"/{service}/{method}"


def observe(observer: Observer, route: str, call: Call) -> None:
    """Count one answered RPC (requests, latency, access log), as REST's requests are."""
    elapsed = time.perf_counter() - call.start
    observer.done("GRPC", route, call.rid, call.labels, call.status, elapsed)


class Call:
    """One RPC's request id, labels and metadata; `done` counts it once (Observer: requests,
    latency and the access log, as REST's requests)."""

    __slots__ = ("labels", "metadata", "rid", "start", "status")

    def __init__(self, context: grpc.aio.ServicerContext) -> None:
        self.start = time.perf_counter()
        self.metadata: dict[str, str] = {}
        for key, value in context.invocation_metadata() or ():
            if isinstance(value, str):
                self.metadata[key] = value
        self.rid = request_id_from(self.metadata.get("x-request-id", "").encode("latin-1") or None)
        self.labels: dict[str, Any] = {"request_id": self.rid, "model": "", "version": "", "variant": ""}
        self.status = 500


async def abort(context: grpc.aio.ServicerContext, call: Call, exc: ApiError) -> NoReturn:
    """End the RPC with REST's message; the machine code (and Retry-After for 429) as trailers."""
    call.status = exc.status
    trailers = [("error-code", exc.code), ("x-request-id", call.rid)]
    if isinstance(exc.details, dict) and "retry_after_seconds" in exc.details:
        trailers.append(("retry-after", str(exc.details["retry_after_seconds"])))
    context.set_trailing_metadata(trailers)
    await context.abort(STATUS_CODES.get(exc.status, grpc.StatusCode.INTERNAL), exc.message)
    raise AssertionError("context.abort raises")  # for the type checker: abort is untyped


class InferenceService(pb_grpc.GRPCInferenceServiceServicer):
    def __init__(self, state: ServingState, observer: Observer) -> None:
        self.state = state
        self.observer = observer
        metrics = state.metrics
        self.in_flight = metrics.child(metrics.in_flight, _route("ModelInfer"))
        self._background: set[asyncio.Task[None]] = set()  # shadow scoring after the response
        self.last_call = 0.0  # loop time the last call started (the drain waits for quiet)

    def _admit(self, call: Call, model_name: str, version: str) -> ServedModel:
        """REST's auth, rate limit and model choice, with credentials and routing key from metadata."""
        self.last_call = asyncio.get_running_loop().time()
        md = call.metadata
        return admit(
            self.state,
            call.labels,
            md.get("x-api-key"),
            md.get("authorization"),
            model_name,
            version or None,
            md.get(self.state.settings.routing_key_header),
        )

    def _done(self, method: str, call: Call) -> None:
        observe(self.observer, _route(method), call)

    # The health and readiness RPCs are counted as REST counts /v2/health/* (the middleware counts
    # every route): `status` 200, or 503 where REST answers 503 (not ready), 404 for another model.
    async def ServerLive(self, request: pb.ServerLiveRequest, context: Any) -> pb.ServerLiveResponse:
        self._answered("ServerLive", Call(context), 200)
        return pb.ServerLiveResponse(live=True)

    async def ServerReady(self, request: pb.ServerReadyRequest, context: Any) -> pb.ServerReadyResponse:
        ready = self.state.manager.ready
        self._answered("ServerReady", Call(context), 200 if ready else 503)
        return pb.ServerReadyResponse(ready=ready)

    async def ServerMetadata(
        self, request: pb.ServerMetadataRequest, context: Any
    ) -> pb.ServerMetadataResponse:
        self._answered("ServerMetadata", Call(context), 200)
        return pb.ServerMetadataResponse(**(await server_metadata()))

    async def ModelReady(self, request: pb.ModelReadyRequest, context: Any) -> pb.ModelReadyResponse:
        """No auth, as REST's: ready unless no model is loaded; NOT_FOUND for another model."""
        call = Call(context)
        label_model(call.labels, self.state, request.name)
        try:
            try:
                served = pick_served(self.state, request.name, request.version or None, None)
            except ApiError as exc:
                if exc.status != 503:
                    await abort(context, call, exc)
                call.status = 503
                return pb.ModelReadyResponse(ready=False)
            call.labels.update(model=served.name, version=served.version, variant=served.variant)
            call.status = 200
            return pb.ModelReadyResponse(ready=True)
        finally:
            self._done("ModelReady", call)

    def _answered(self, method: str, call: Call, status: int) -> None:
        call.status = status
        self._done(method, call)

    async def ModelMetadata(self, request: pb.ModelMetadataRequest, context: Any) -> pb.ModelMetadataResponse:
        call = Call(context)
        state = self.state
        try:
            try:
                found = metadata_of(state, self._admit(call, request.name, request.version))
            except ApiError as exc:
                await abort(context, call, exc)
            call.status = 200
            return pb.ModelMetadataResponse(
                name=found["name"],
                versions=found["versions"],
                platform=found["platform"],
                inputs=found["inputs"],
                outputs=found["outputs"],
            )
        finally:
            self._done("ModelMetadata", call)

    async def ModelInfer(self, request: pb.ModelInferRequest, context: Any) -> pb.ModelInferResponse:
        call = Call(context)
        state = self.state
        label_model(call.labels, state, request.model_name)
        self.in_flight.inc()
        try:
            try:
                served = self._admit(call, request.model_name, request.model_version)
                payload = request_payload(request)
                x = v2_matrix(payload, served.bounds, state.settings.max_batch_rows)
                outputs, per_row = v2_options(payload)
                scored = await infer(state, served, x, outputs, per_row, payload)
                response = infer_response(scored, served, call.rid, bool(request.raw_input_contents))
            except ApiError as exc:
                await abort(context, call, exc)
            except Exception as exc:  # never a stack trace to the client; the log has it
                log.error("unhandled error", exc_info=exc, extra={"request_id": call.rid})
                await context.abort(grpc.StatusCode.INTERNAL, "internal error; see the server log")
            call.status = 200
            shadow = state.manager.shadow
            if shadow is not None and shadow.current is not None:  # after the response, as REST
                task = asyncio.get_running_loop().create_task(run_shadow(state, scored.y, scored.x))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
            return response
        finally:
            self.in_flight.dec()
            self._done("ModelInfer", call)


class HealthService(health_pb2_grpc.HealthServicer):
    """grpc.health.v1 (what Kubernetes gRPC probes and cloud load balancers call): "" and the
    inference service are SERVING while the server is ready (a model loaded, not draining), as
    /v2/health/ready; any other service name is NOT_FOUND, as the health protocol says. Check and
    List are counted as REST counts /v2/health/ready (status 200 SERVING, 503 NOT_SERVING, 404
    unknown service); Watch, a stream that lasts as long as the client wants, is not a request."""

    NAME = "grpc.health.v1.Health"
    SERVICES = ("", SERVICE)
    WATCH_POLL_SECONDS = 1.0

    def __init__(self, state: ServingState, observer: Observer) -> None:
        self.state = state
        self.observer = observer
        self.draining = False

    def status(self) -> health_pb2.HealthCheckResponse.ServingStatus:
        ready = self.state.manager.ready and not self.draining
        return health_pb2.HealthCheckResponse.SERVING if ready else health_pb2.HealthCheckResponse.NOT_SERVING

    def _observe(self, method: str, call: Call, status: int) -> None:
        call.status = status
        observe(self.observer, _route(method, self.NAME), call)

    async def Check(
        self, request: health_pb2.HealthCheckRequest, context: Any
    ) -> health_pb2.HealthCheckResponse:
        call = Call(context)
        if request.service not in self.SERVICES:
            self._observe("Check", call, 404)
            await context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service!r:.80}")
        status = self.status()
        self._observe("Check", call, 200 if status == health_pb2.HealthCheckResponse.SERVING else 503)
        return health_pb2.HealthCheckResponse(status=status)

    async def List(
        self, request: health_pb2.HealthListRequest, context: Any
    ) -> health_pb2.HealthListResponse:
        self._observe("List", Call(context), 200)
        status = health_pb2.HealthCheckResponse(status=self.status())
        return health_pb2.HealthListResponse(statuses={name: status for name in self.SERVICES})

    async def Watch(
        self, request: health_pb2.HealthCheckRequest, context: Any
    ) -> AsyncIterator[health_pb2.HealthCheckResponse]:
        """The status now, then each change (polled: readiness has no change events)."""
        if request.service not in self.SERVICES:
            yield health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVICE_UNKNOWN)
            return
        last = None
        while True:
            status = self.status()
            if status != last:
                yield health_pb2.HealthCheckResponse(status=status)
                last = status
            await asyncio.sleep(self.WATCH_POLL_SECONDS)
