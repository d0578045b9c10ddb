"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware): request ids, in-flight gauge, request
count and latency by route template, and the access log."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlfleet_serving.metrics import ServingMetrics

_SAFE_ID = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def _request_id(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"x-request-id":
            text = value.decode("latin-1")
            if 0 < len(text) <= 64 and set(text) <= _SAFE_ID:
                return text
            break
    return os.urandom(8).hex()


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, metrics: ServingMetrics, routes: list[Any], access_log: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes
        self.access_log = access_log
        self._templates: dict[tuple[str, str], str] = {}
        self.write: Callable[[bytes], Any] = sys.stdout.buffer.write

    def _template(self, scope: Scope) -> str:
        key = (scope["method"], scope["path"])
        found = self._templates.get(key)
        if found is None:
            found = "unmatched"  # never a raw path: that would explode label cardinality
            for route in self.routes:
                match, _ = route.matches(scope)
                if match != Match.NONE:
                    found = route.path
                    break
            if len(self._templates) > 10_000:
                self._templates.clear()
            self._templates[key] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        labels: dict[str, Any] = {"request_id": request_id, "model": "", "version": "", "variant": ""}
        scope["mlfleet"] = labels
        route = self._template(scope)
        in_flight = self.metrics.child(self.metrics.in_flight, route)
        status = 500
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        in_flight.inc()
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            in_flight.dec()
            self.metrics.observe_request(
                route, labels["model"], labels["version"], labels["variant"], str(status), elapsed
            )
            if self.access_log:
                # Written directly (one orjson call, one write): a LogRecord per request costs more
                # than the inference. Same JSON-lines shape as the other logs.
                entry = {
                    "ts": time.time(),
                    "level": "info",
                    "logger": "mlfleet.serving.access",
                    "msg": "request",
                    "request_id": request_id,
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 3),
                    "model_version": labels["version"],
                    "variant": labels["variant"],
                    "principal": labels.get("principal", ""),
                }
                self.write(orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE))
