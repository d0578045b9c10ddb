"""The comparison servers of bench/serving.py, run as `python bench/serving_apps.py KIND ...`:

- naive: the minimal FastAPI app users would write: pydantic in, `model.predict` per request.
- floor: same server settings, reads and parses the same body, answers the same shape, no model.
- plain: our server exactly as `python -m mlfleet_serving` runs it (settings from MLFLEET_*), but on
  uvicorn's own httptools protocol instead of ours (protocol.py): the A/B of bench/serving_ab.py.

Both use the server settings of ours (uvicorn, uvloop, httptools, one process, no access log).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np
import orjson
import uvicorn
from fastapi import FastAPI, Request
from pydantic import BaseModel
from starlette.responses import Response


class Instances(BaseModel):
    instances: list[list[float]]


def naive_app(registry_url: str, name: str) -> FastAPI:
    from mlfleet_registry import open_registry

    registry = open_registry(registry_url)
    version = registry.resolve(name, "production")
    model = registry.load(name, version).model
    app = FastAPI()

    @app.get("/v2/health/ready")
    def ready() -> dict[str, bool]:
        return {"ready": True}

    @app.post("/predict")
    def predict(body: Instances) -> dict[str, Any]:
        y = model.predict(np.asarray(body.instances))
        return {"predictions": y.tolist(), "model": name, "version": version, "variant": "primary"}

    return app


def floor_app(name: str) -> FastAPI:
    app = FastAPI()

    @app.get("/v2/health/ready")
    async def ready() -> dict[str, bool]:
        return {"ready": True}

    @app.post("/predict")
    async def predict(request: Request) -> Response:
        payload = orjson.loads(await request.body())
        body = {
            "predictions": [0] * len(payload["instances"]),
            "model": name,
            "version": "v",
            "variant": "primary",
        }
        return Response(orjson.dumps(body), media_type="application/json")

    return app


def plain_httptools() -> None:
    """Our server with uvicorn's HttpToolsProtocol in place of the hardened subclass."""
    from mlfleet_serving.app import create_app
    from mlfleet_serving.logs import configure_logging
    from mlfleet_serving.server import uvicorn_options
    from mlfleet_serving.settings import ServingSettings

    settings = ServingSettings()  # type: ignore[call-arg]  # from MLFLEET_* like python -m mlfleet_serving
    configure_logging(settings.log_level)
    app = create_app(settings)
    uvicorn.Server(uvicorn.Config(app, **{**uvicorn_options(settings), "http": "httptools"})).run()


def main() -> None:
    if sys.argv[1:2] == ["plain"]:
        plain_httptools()
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["naive", "floor"])
    parser.add_argument("--registry", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = naive_app(args.registry, args.model) if args.kind == "naive" else floor_app(args.model)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
