"""The inference routes as one plain ASGI handler in front of the framework.

POST /predict and the v2 infer routes are matched by string operations on the path and answered
here, with the same code the documented FastAPI routes use (auth, rate limit, body limits,
validation, scoring, metrics, access log, shadow, one error shape). This skips the per-request
cost of Starlette's middleware stack, router and exception middleware, which was most of the
server-side time of a single-row request. Everything else, and inference requests the fast path
does not take (CORS requests carrying an Origin header, OpenTelemetry on), goes to the framework.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mlfleet_serving.errors import ApiError, error_response
from mlfleet_serving.middleware import Observer, request_id_from
from mlfleet_serving.scoring import admit, label_model, response_body, run_shadow, score
from mlfleet_serving.state import ServingState
from mlfleet_serving.validation import require_json

log = logging.getLogger("mlfleet.serving")

PREDICT = "/predict"
INFER = "/v2/models/{model_name}/infer"
INFER_VERSION = "/v2/models/{model_name}/versions/{model_version}/infer"
_V2_PREFIX = "/v2/models/"
_JSON = (b"content-type", b"application/json")


def match(path: str) -> tuple[str, str | None, str | None] | None:
    """(route template, model name, version) for an inference path, else None."""
    if path == PREDICT:
        return PREDICT, None, None
    if not path.startswith(_V2_PREFIX) or not path.endswith("/infer"):
        return None
    parts = path[len(_V2_PREFIX) :].split("/")
    if len(parts) == 2 and parts[0]:
        return INFER, parts[0], None
    if len(parts) == 4 and parts[1] == "versions" and parts[0] and parts[2]:
        return INFER_VERSION, parts[0], parts[2]
    return None


class InferenceFastPath:
    """`handle` answers a request whose path `match`ed; `app` is the framework (for fallbacks)."""

    def __init__(self, app: ASGIApp, state: ServingState, observer: Observer) -> None:
        self.app = app
        self.state = state
        self.observer = observer
        self.cors = bool(state.settings.cors_origins)
        self.routing_header = state.settings.routing_key_header.encode("latin-1")
        metrics = state.metrics
        self.in_flight = {r: metrics.child(metrics.in_flight, r) for r in (PREDICT, INFER, INFER_VERSION)}

    async def handle(
        self, scope: Scope, receive: Receive, send: Send, route: str, model: str | None, version: str | None
    ) -> None:
        start = time.perf_counter()
        api_key = authorization = length = request_id = routing_key = content_type = None
        routing_header = self.routing_header
        for key, value in scope["headers"]:
            if key == b"x-api-key":
                api_key = value
            elif key == b"authorization":
                authorization = value
            elif key == b"content-length":
                length = value
            elif key == b"content-type":
                content_type = value
            elif key == b"x-request-id":
                request_id = value
            elif key == routing_header:
                routing_key = value
            elif key == b"origin" and self.cors:
                await self.app(scope, receive, send)  # the framework adds the CORS headers
                return
        rid = request_id_from(request_id)
        labels: dict[str, Any] = {"request_id": rid, "model": "", "version": "", "variant": ""}
        scope["mlfleet"] = labels
        state = self.state
        label_model(labels, state, model)
        in_flight = self.in_flight[route]
        in_flight.inc()
        status = 500
        shadow_args: tuple[Any, Any] | None = None
        try:
            try:
                served = admit(
                    state,
                    labels,
                    None if api_key is None else api_key.decode("latin-1"),
                    None if authorization is None else authorization.decode("latin-1"),
                    model,
                    version,
                    None if routing_key is None else routing_key.decode("latin-1"),
                )
                require_json(content_type)
                body = await _read_body(receive, length, state.settings.max_body_bytes)
                v2 = route is not PREDICT
                scored = await score(state, served, body, v2)
                content = response_body(scored, served, v2, rid)
            except ApiError as exc:
                status = exc.status
                response = error_response(rid, exc.status, exc.code, exc.message, exc.details)
                await response(scope, receive, send)
                return
            except Exception as exc:  # never a stack trace to the client; the log has it
                log.error("unhandled error", exc_info=exc, extra={"request_id": rid})
                response = error_response(rid, 500, "internal_error", "internal error; see the server log")
                await response(scope, receive, send)
                return
            status = 200
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        _JSON,
                        (b"content-length", str(len(content)).encode()),
                        (b"x-model-version", served.version.encode()),
                        (b"x-model-variant", served.variant.encode()),
                        (b"x-request-id", rid.encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": content})
            shadow = state.manager.shadow
            if shadow is not None and shadow.current is not None:
                shadow_args = (scored.y, scored.x)
        finally:
            in_flight.dec()
            self.observer.done("POST", route, rid, labels, status, time.perf_counter() - start)
        if shadow_args is not None:  # after the response, as a background task would
            await run_shadow(state, *shadow_args)


async def _read_body(receive: Receive, length: bytes | None, limit: int) -> bytes:
    if length is not None and length.isdigit() and int(length) > limit:
        raise ApiError(
            413, "body_too_large", f"the body is {length.decode()} bytes; the limit is {limit} bytes"
        )
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False) and message["type"] == "http.request":
        if len(body) > limit:
            raise ApiError(413, "body_too_large", f"the body exceeds the limit of {limit} bytes")
        return body
    if message["type"] == "http.disconnect":
        raise ApiError(400, "client_disconnected", "the client went away before sending the body")
    chunks = [body]
    size = len(body)
    while True:
        if size > limit:
            raise ApiError(413, "body_too_large", f"the body exceeds the limit of {limit} bytes")
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ApiError(400, "client_disconnected", "the client went away before sending the body")
        chunk = message.get("body", b"")
        size += len(chunk)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    if size > limit:
        raise ApiError(413, "body_too_large", f"the body exceeds the limit of {limit} bytes")
    return b"".join(chunks)
