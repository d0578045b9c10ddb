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


def request_id_of(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"x-request-id":
            return request_id_from(value)
    return os.urandom(8).hex()


def request_id_from(value: bytes | None) -> str:
    """The client's X-Request-ID when it is sane (1-64 safe characters), else a fresh one."""
    if value is not None and 0 < len(value) <= 64:
        text = value.decode("latin-1")
        if set(text) <= _SAFE_ID:
            return text
    return os.urandom(8).hex()


class Observer:
    """Request count, latency and the access log: shared by the middleware and the fast path."""

    def __init__(self, metrics: ServingMetrics, access_log: bool) -> None:
        self.metrics = metrics
        self.access_log = access_log
        self.write: Callable[[bytes], Any] = sys.stdout.buffer.write
        # Access log lines are collected here and written in one go by `flush` (twice a second, from
        # the app's lifespan, or at 64 KiB): no write syscall per request, even with
        # PYTHONUNBUFFERED=1 as containers usually set it.
        self._pending: list[bytes] = []
        self._pending_bytes = 0

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._pending_bytes = 0
            self.write(data)
            sys.stdout.buffer.flush()

    def done(
        self, method: str, route: str, request_id: str, labels: dict[str, Any], status: int, elapsed: float
    ) -> None:
        self.metrics.observe_request(
            route, labels["model"], labels["version"], labels["variant"], str(status), elapsed
        )
        if self.access_log:
            # One orjson call into the pending buffer: a LogRecord per request costs
            # more than the inference. Same JSON-lines shape as the other logs.
            entry = {
                "ts": time.time(),
                "level": "info",
                "logger": "mlfleet.serving.access",
                "msg": "request",
                "request_id": request_id,
                "method": method,
                "route": route,
                "status": status,
                "ms": round(elapsed * 1000, 3),
                "model_version": labels["version"],
                "variant": labels["variant"],
                "principal": labels.get("principal", ""),
            }
            line = orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE)
            self._pending.append(line)
            self._pending_bytes += len(line)
            if self._pending_bytes >= 65536:
                self.flush()


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, observer: Observer, routes: list[Any]) -> None:
        self.app = app
        self.observer = observer
        self.metrics = observer.metrics
        self.routes = routes
        self._templates: dict[tuple[str, str], str] = {}

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
        request_id = request_id_of(scope)
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
                headers = [h for h in message.get("headers", []) if h[0] != b"x-request-id"]
                message["headers"] = [*headers, header]
            await send(message)

        in_flight.inc()
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            in_flight.dec()
            self.observer.done(scope["method"], route, request_id, labels, status, elapsed)
