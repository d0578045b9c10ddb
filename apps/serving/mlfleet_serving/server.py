"""Run the app under uvicorn (uvloop + httptools) with graceful shutdown and optional TLS."""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import uvicorn

from mlfleet_serving.auth import ConfigError
from mlfleet_serving.logs import configure_logging
from mlfleet_serving.settings import ServingSettings

if TYPE_CHECKING:
    from mlfleet_serving.grpc.endpoint import GrpcEndpoint

log = logging.getLogger("mlfleet.serving")


def serve(
    settings: ServingSettings, *, extra_key_hashes: Mapping[str, str] | None = None, registry: Any = None
) -> None:
    """Blocks until SIGINT/SIGTERM; then stops accepting, drains in-flight requests (up to
    graceful_timeout_seconds) and exits. The gRPC endpoint (MLFLEET_GRPC_PORT) runs alongside."""
    from mlfleet_serving.app import create_app

    configure_logging(settings.log_level)
    app = create_app(settings, registry=registry, extra_key_hashes=extra_key_hashes)
    config = uvicorn.Config(app, **uvicorn_options(settings))
    endpoint = None
    if settings.grpc_enabled:
        from mlfleet_serving.grpc.endpoint import GrpcEndpoint

        endpoint = GrpcEndpoint(app.state.serving, app.state.observer)
    server = WithGrpc(config, endpoint)
    log.info(
        "serving",
        extra={
            "model": settings.model,
            "alias": settings.alias,
            "host": settings.host,
            "port": settings.port,
        },
    )
    server.run()
    if server.grpc_error is not None:
        raise server.grpc_error


class WithGrpc(uvicorn.Server):
    """uvicorn's server, also running the gRPC endpoint (grpc/) on its event loop: started once the
    model has loaded (lifespan), drained alongside REST on SIGTERM within the same grace period."""

    def __init__(self, config: uvicorn.Config, endpoint: GrpcEndpoint | None) -> None:
        super().__init__(config)
        self.endpoint = endpoint
        self.grpc_error: Exception | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.endpoint is not None and not self.should_exit:
            try:
                await self.endpoint.start()
            except ConfigError as exc:  # a port in use: stop REST too, report it as a config error
                self.grpc_error = exc
                self.should_exit = True

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        stopping = None
        if self.endpoint is not None:
            grace = float(self.config.timeout_graceful_shutdown or 0)
            stopping = asyncio.ensure_future(self.endpoint.stop(grace))
        await super().shutdown(sockets=sockets)
        if stopping is not None:
            await stopping


# File descriptors kept for everything that is not a client connection (listener, log, model files,
# the registry's connections, ONNX Runtime).
RESERVED_FDS = 64


def connection_cap(wanted: int) -> int:
    """`wanted`, lowered to what the open-file limit allows (raising the soft limit to the hard one
    first): past the file limit accept() fails and nobody is served, which is what the cap prevents."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + RESERVED_FDS
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < need:
        capped = max(2, int(soft) - RESERVED_FDS)
        log.warning(
            "MLFLEET_MAX_CONNECTIONS lowered to fit the open-file limit",
            extra={"wanted": wanted, "max_connections": capped, "nofile": soft},
        )
        return capped
    return wanted


def uvicorn_options(settings: ServingSettings) -> dict[str, Any]:
    """uvicorn.Config keywords: uvicorn's own limits where it has them, our protocol for the rest."""
    from mlfleet_serving.protocol import Limits, hardened_protocol

    limits = Limits(
        max_header_bytes=settings.max_header_bytes,
        max_headers=settings.max_headers,
        header_timeout=settings.header_timeout_seconds,
        body_timeout=settings.body_timeout_seconds,
        max_connections=connection_cap(settings.max_connections),
    )
    return {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        "http": hardened_protocol(limits),  # httptools + the limits it lacks (protocol.py)
        "lifespan": "on",
        "access_log": False,  # our middleware writes a structured access log
        "log_config": None,
        "server_header": False,
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
        "timeout_graceful_shutdown": int(settings.graceful_timeout_seconds),
        # Used only by uvicorn's h11 parser (we run httptools); set so that it bounds the same.
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "backlog": min(2048, limits.max_connections),
        "ssl_certfile": settings.tls_certfile,
        "ssl_keyfile": settings.tls_keyfile,
    }
