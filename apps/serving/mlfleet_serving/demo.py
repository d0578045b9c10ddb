"""The serving part of `make demo`: start the server on 127.0.0.1, send real authenticated
predictions, print them and a few metrics, stop the server."""

from __future__ import annotations

import json
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

from mlfleet_serving import process
from mlfleet_serving.auth import generate_api_key, hash_entry

SHOWN_METRICS = (
    "mlfleet_requests_total",
    "mlfleet_model_info",
    "mlfleet_predictions_total",
    "mlfleet_batch_size_count",
)


def _call(url: str, key: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback URL we built
        url, data=data, headers={"X-API-Key": key, "Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def demo_rows(feature_schema: list[dict[str, Any]], n: int = 5, seed: int = 0) -> list[list[float]]:
    """Rows inside each feature's schema range (the model's own training ranges)."""
    rng = np.random.default_rng(seed)
    lows = np.array([f["min"] if f.get("min") is not None else -1.0 for f in feature_schema])
    highs = np.array([f["max"] if f.get("max") is not None else 1.0 for f in feature_schema])
    rows: list[list[float]] = (lows + (highs - lows) * rng.uniform(0.2, 0.8, (n, len(lows)))).tolist()
    return rows


def run_demo(registry_url: str, model: str) -> None:
    key = generate_api_key()  # generated per run; only its hash is handed to the server
    with tempfile.TemporaryDirectory(prefix="mlfleet-serve-") as tmp:
        keys_file = Path(tmp) / "api-keys"
        keys_file.write_text(hash_entry("demo", key) + "\n")
        port = process.free_port()
        env = process.serving_env(registry_url, model, port, keys_file, MLFLEET_ACCESS_LOG="false")
        base = f"http://127.0.0.1:{port}"
        with (Path(tmp) / "server.log").open("wb") as log:
            proc = process.start(["-m", "mlfleet_serving"], env, log)
            try:
                process.wait_ready(proc, base + "/v2/health/ready")
                meta = _call(f"{base}/v2/models/{model}", key)
                print(
                    f"serving {model} {meta['parameters']['version']} on {base} (runtime {meta['platform']})"
                )
                rows = demo_rows(meta["parameters"]["feature_schema"])
                result = _call(base + "/predict", key, {"instances": rows})
                print(f"POST /predict with {len(rows)} rows -> {result['predictions']} ({result['version']})")
                v2 = {
                    "inputs": [
                        {"name": "input-0", "shape": [1, len(rows[0])], "datatype": "FP64", "data": rows[0]}
                    ]
                }
                out = _call(f"{base}/v2/models/{model}/infer", key, v2)["outputs"][0]
                print(f"POST /v2/models/{model}/infer -> {out['data']} ({out['datatype']})")
                with urllib.request.urlopen(base + "/metrics", timeout=10) as response:  # noqa: S310
                    metrics = response.read().decode()
                print("metrics:")
                for line in metrics.splitlines():
                    if line.startswith(SHOWN_METRICS):
                        print("  " + line)
            finally:
                process.stop(proc)
    print("server stopped")
