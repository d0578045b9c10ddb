"""The release's real surroundings on 127.0.0.1: a registry trained by the real trainer, the real
server with a canary slot on `candidate`, real Prometheus scraping it, and a load generator.

Scaled for a test (docs/delivery.md states the production values): scrape interval 1 s instead of
the operator's 30 s, an analysis window of a few seconds instead of the stack's 600 s, and
`min_requests` of tens instead of 100."""

from __future__ import annotations

import http.client
import json
import random
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from mlfleet_registry import FeatureSpec, open_registry
from mlfleet_serving import process
from mlfleet_serving.auth import hash_entry
from mlfleet_serving.reference_model import reference_data, reference_stats

from tests.support import free_port, require_tool

MODEL = "breast-cancer"
KEY = "release-test-key-" + "c" * 40
SCRAPE_SECONDS = 1
CANARY_WEIGHT = 0.3


def publish_gated(registry_url: str, model: Any, narrow: bool = False) -> str:
    """A version whose manifest says it passed the gate against today's production (as a trainer run
    would record), so the release takes it; `narrow` gives it input ranges no real row fits."""
    registry = open_registry(registry_url)
    production = registry.resolve(MODEL, "production")
    x, y, names = reference_data()
    schema = [
        FeatureSpec(
            name=n,
            dtype="float64",
            min=float(x[:, i].min()),
            max=float(x[:, i].min()) + 1e-9 if narrow else float(x[:, i].max()),
        )
        for i, n in enumerate(names)
    ]
    manifest = registry.publish(
        MODEL,
        model,
        metrics={"roc_auc": 0.99},
        params={},
        feature_schema=schema,
        reference_stats=reference_stats(x, names),
        data_fingerprint="sklearn-breast-cancer",
        task="classification",
        classes=[int(c) for c in np.unique(y)],
        code_version="test",
        parent_version=production,
        created_by="tests/release",
        reason="a version that passed the offline gate",
        gate={"passed": True, "incumbent_version": production, "reason": "offline metrics fine"},
    )
    return str(manifest.version)


class Server:
    """The serving app as a process: production as primary, `candidate` as a 30% canary."""

    def __init__(self, registry: str, workdir: Path) -> None:
        keys = workdir / "keys"
        keys.write_text(hash_entry("release", KEY) + "\n")
        self.port = free_port()
        env = process.serving_env(
            registry,
            MODEL,
            self.port,
            keys,
            MLFLEET_ACCESS_LOG="false",
            MLFLEET_RATE_LIMIT_PER_SECOND="1000000",
            MLFLEET_RATE_LIMIT_BURST="1000000",
            MLFLEET_POLL_INTERVAL_SECONDS="0.2",
            MLFLEET_CANARY_ALIAS="candidate",
            MLFLEET_CANARY_WEIGHT=str(CANARY_WEIGHT),
            # REST only: the default gRPC port (8081) is one per machine, and test workers run in parallel.
            MLFLEET_GRPC_ENABLED="false",
        )
        self.log = (workdir / "server.log").open("wb")
        self.proc = process.start(["-m", "mlfleet_serving"], env, self.log)
        self.url = f"http://127.0.0.1:{self.port}"
        process.wait_ready(self.proc, f"{self.url}/v2/health/ready")

    def serves(self, variant: str, version: str) -> bool:
        """The server's own word (mlfleet_model_info) that `variant` serves `version` now."""
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=5) as response:
            lines = response.read().decode().splitlines()
        return any(
            line.startswith("mlfleet_model_info{") and f'variant="{variant}",version="{version}"' in line
            for line in lines
        )

    def wait_serving(self, variant: str, version: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.serves(variant, version):
            assert time.monotonic() < deadline, f"{variant} never served {version}"
            time.sleep(0.1)

    def stop(self) -> None:
        process.stop(self.proc)
        self.log.close()


class PrometheusProcess:
    """Real Prometheus scraping the server every second."""

    def __init__(self, target_port: int, workdir: Path) -> None:
        binary = require_tool("prometheus")
        self.port = free_port()
        config = {
            "global": {"scrape_interval": f"{SCRAPE_SECONDS}s", "evaluation_interval": f"{SCRAPE_SECONDS}s"},
            "scrape_configs": [
                {"job_name": "mlfleet-serving", "static_configs": [{"targets": [f"127.0.0.1:{target_port}"]}]}
            ],
        }
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.log = (workdir / "prometheus.log").open("wb")
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={workdir / 'prometheus-data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait_up()

    def _wait_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "prometheus exited"
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/targets", timeout=2) as r:
                    active = json.load(r)["data"]["activeTargets"]
                if active and all(t["health"] == "up" for t in active):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError("prometheus never scraped the server")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@dataclass
class Load:
    """Threads sending one dataset row per request, each with its own routing key, counting
    (status, variant) per response until stopped."""

    url: str
    threads: int = 3
    seen: Counter[tuple[int, str]] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> Load:
        rows = reference_data()[0].tolist()
        port = int(self.url.rsplit(":", 1)[1])
        for n in range(self.threads):
            worker = threading.Thread(target=self._run, args=(rows, port, random.Random(n)), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def _run(self, rows: list[list[float]], port: int, rng: random.Random) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while not self._stop.is_set():
            body = json.dumps({"instances": [rng.choice(rows)]})
            headers = {
                "Content-Type": "application/json",
                "X-API-Key": KEY,
                "X-Routing-Key": f"user-{rng.getrandbits(48)}",
            }
            try:
                conn.request("POST", "/predict", body, headers)
                response = conn.getresponse()
                response.read()
                variant = response.getheader("X-Model-Variant") or "?"
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status, variant = 0, "?"
            with self._lock:
                self.seen[(status, variant)] += 1
            time.sleep(0.005)

    def snapshot(self) -> Counter[tuple[int, str]]:
        with self._lock:
            return Counter(self.seen)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(15)
