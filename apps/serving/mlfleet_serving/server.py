"""Run the app under uvicorn (uvloop + httptools) with graceful shutdown and optional TLS."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from mlfleet_serving.logs import configure_logging
from mlfleet_serving.settings import ServingSettings

log = logging.getLogger("mlfleet.serving")


def serve(
    settings: ServingSettings, *, extra_key_hashes: Mapping[str, str] | None = None, registry: Any = None
) -> None:
    """Blocks until SIGINT/SIGTERM; then stops accepting, drains in-flight requests (up to
    graceful_timeout_seconds) and exits."""
    import uvicorn

    from mlfleet_serving.app import create_app

    configure_logging(settings.log_level)
    app = create_app(settings, registry=registry, extra_key_hashes=extra_key_hashes)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,  # our middleware writes a structured access log
        log_config=None,
        server_header=False,
        timeout_graceful_shutdown=int(settings.graceful_timeout_seconds),
        ssl_certfile=settings.tls_certfile,
        ssl_keyfile=settings.tls_keyfile,
    )
    server = uvicorn.Server(config)
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
