"""The gRPC server (grpc.aio) on the REST server's event loop: started after the model loads, drained
as REST is on SIGTERM (see `stop`)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import grpc

from mlfleet_serving.auth import ConfigError
from mlfleet_serving.grpc import grpc_predict_v2_pb2_grpc as pb_grpc
from mlfleet_serving.grpc import health_pb2_grpc
from mlfleet_serving.grpc.service import HealthService, InferenceService
from mlfleet_serving.middleware import Observer
from mlfleet_serving.protocol import DRAIN_IDLE_SECONDS
from mlfleet_serving.state import ServingState

log = logging.getLogger("mlfleet.serving")


def server_options(state: ServingState) -> list[tuple[str, int]]:
    """The REST limits, in grpc core's channel arguments (grpc/include/grpc/impl/channel_arg_names.h)."""
    s = state.settings
    return [
        # Whole message, as MLFLEET_MAX_BODY_BYTES for a REST body (RESOURCE_EXHAUSTED beyond).
        ("grpc.max_receive_message_length", s.max_body_bytes),
        # Request metadata (HTTP/2 headers), as MLFLEET_MAX_HEADER_BYTES for a REST request head.
        ("grpc.max_metadata_size", s.max_header_bytes),
        # Idle connections closed as REST's keep-alive timeout closes them.
        ("grpc.max_connection_idle_ms", s.keep_alive_timeout_seconds * 1000),
        # A port in use is an error, not a silently shared socket.
        ("grpc.so_reuseport", 0),
    ]


def _tls_credentials(pair: tuple[str, str] | None) -> grpc.ServerCredentials | None:
    """TLS from the (certificate, key) PEM files (settings.grpc_tls_pair), or None: plaintext. HTTP/2
    is negotiated by ALPN, as a TLS-speaking load balancer (GKE's HTTP2 backends) expects."""
    if pair is None:
        return None
    cert_file, key_file = pair
    try:
        cert, key = Path(cert_file).read_bytes(), Path(key_file).read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the gRPC TLS certificate or key ({exc.strerror}: {exc.filename}); "
            "check MLFLEET_GRPC_TLS_CERTFILE / MLFLEET_GRPC_TLS_KEYFILE (or MLFLEET_TLS_*)"
        ) from None
    return grpc.ssl_server_credentials([(key, cert)])


class GrpcEndpoint:
    """`start` binds settings.grpc_port (0: any free port; returns the port), `stop` drains."""

    def __init__(self, state: ServingState, observer: Observer) -> None:
        self.state = state
        self.health = HealthService(state, observer)
        self.inference = InferenceService(state, observer)
        self.server: grpc.aio.Server | None = None
        self.port = 0

    async def start(self) -> int:
        s = self.state.settings
        server = grpc.aio.server(
            options=server_options(self.state), maximum_concurrent_rpcs=s.max_connections
        )
        pb_grpc.add_GRPCInferenceServiceServicer_to_server(self.inference, server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        address = f"{s.host}:{s.grpc_port}"
        credentials = _tls_credentials(s.grpc_tls_pair())
        try:
            if credentials is not None:
                port = server.add_secure_port(address, credentials)
            else:
                port = server.add_insecure_port(address)
        except RuntimeError as exc:
            # grpc core says the same for a taken port and for a certificate or key it cannot use.
            tls = (
                "; or MLFLEET_GRPC_TLS_CERTFILE/KEYFILE (else MLFLEET_TLS_*) are not a PEM certificate "
                "and its private key"
                if credentials is not None
                else ""
            )
            raise ConfigError(
                f"cannot listen for gRPC on {address} ({exc}); set MLFLEET_GRPC_PORT to a free port "
                f"or MLFLEET_GRPC_ENABLED=false{tls}"
            ) from None
        await server.start()
        self.server, self.port = server, port
        log.info("serving gRPC", extra={"host": s.host, "grpc_port": port})
        return port

    async def stop(self, grace: float) -> None:
        """Health says NOT_SERVING at once; calls keep being answered until none has started for
        DRAIN_IDLE_SECONDS (REST closes an idle connection after the same), then the server stops
        taking calls and gives those in flight what is left of `grace`. Stopping at once would
        cancel the calls a client has sent that grpc has not handed to us yet."""
        if self.server is None:
            return
        self.health.draining = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while loop.time() < deadline and loop.time() - self.inference.last_call < DRAIN_IDLE_SECONDS:
            await asyncio.sleep(0.05)
        await self.server.stop(max(0.0, deadline - loop.time()))
        self.server = None
