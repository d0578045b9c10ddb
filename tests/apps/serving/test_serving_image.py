"""Opt-in (MLFLEET_CONTAINER_TESTS=1): build the serving image with podman and run it for real with a
read-only root filesystem, a mounted registry and a mounted API key file."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from mlfleet_serving.auth import generate_api_key, hash_entry
from mlfleet_serving.reference_model import publish_reference_model
from sklearn.datasets import load_breast_cancer

from mlfleet.rehearse.podman import run_limits
from tests.container_support import build_image, remove_container, require_containers
from tests.support import free_port

TAG = "localhost/mlfleet-serving:container-test"
MODEL = "breast-cancer"


def _http(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _open_for_all(root: Path) -> None:
    """The registry is written here as root with private modes; the container's uid 10001 reads it."""
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.container
def test_image_serves_predictions_read_only_as_non_root(tmp_path: Path) -> None:
    podman = require_containers()
    build_image(podman, "serving", TAG)
    limits = run_limits()
    name = f"mlfleet-serving-test-{uuid.uuid4().hex[:8]}"

    registry = tmp_path / "registry"
    publish_reference_model(str(registry), MODEL, n_estimators=10, seed=42)
    _open_for_all(registry)
    key = generate_api_key()
    keys_file = tmp_path / "api-keys"
    keys_file.write_text(hash_entry("ci", key) + "\n")
    keys_file.chmod(0o644)
    port = free_port()

    try:
        user = subprocess.run(
            [*podman, "run", "--rm", "--name", name, *limits, "--entrypoint", "id", TAG, "-u"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert user.returncode == 0, user.stderr
        assert user.stdout.strip() not in {"", "0"} and user.stdout.strip() == "10001"

        run = [*podman, "run", "-d", "--name", name, *limits, "--read-only", "--tmpfs", "/tmp"]
        run += ["--network", "host", "-e", "MLFLEET_HOST=127.0.0.1", "-e", f"MLFLEET_PORT={port}"]
        run += ["-e", "MLFLEET_REGISTRY=/registry", "-e", f"MLFLEET_MODEL={MODEL}"]
        run += ["-e", "MLFLEET_API_KEYS_FILE=/run/secrets/api-keys"]
        run += ["-v", f"{registry}:/registry:ro", "-v", f"{keys_file}:/run/secrets/api-keys:ro", TAG]
        started = subprocess.run(run, capture_output=True, text=True, timeout=600)
        assert started.returncode == 0, started.stderr

        base = f"http://127.0.0.1:{port}"
        start = time.monotonic()
        status = 0
        while time.monotonic() - start < 180:
            try:
                status, _ = _http(f"{base}/v2/health/ready")
            except OSError:
                status = 0
            if status == 200:
                break
            state = subprocess.run(
                [*podman, "inspect", "--format", "{{.State.Running}}", name], capture_output=True, text=True
            )
            if state.stdout.strip() != "true":
                logs = subprocess.run([*podman, "logs", name], capture_output=True, text=True)
                pytest.fail(f"the container exited before ready:\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}")
            time.sleep(1)
        logs = subprocess.run([*podman, "logs", name], capture_output=True, text=True)
        assert status == 200, f"not ready after 180 s:\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}"
        print(f"ready {time.monotonic() - start:.1f} s after `podman run -d` returned")

        rows = load_breast_cancer().data[:3].tolist()
        body = json.dumps({"instances": rows}).encode()
        headers = {"Content-Type": "application/json"}
        status, payload = _http(f"{base}/predict", body, {**headers, "X-API-Key": key})
        assert status == 200, payload
        answer = json.loads(payload)
        assert len(answer["predictions"]) == 3 and answer["model"] == MODEL
        status, _ = _http(f"{base}/predict", body, headers)
        assert status == 401  # authentication is on by default

        # The image's HEALTHCHECK (kept with --format docker), run by podman inside the container.
        health = subprocess.run([*podman, "healthcheck", "run", name], capture_output=True, text=True)
        assert health.returncode == 0, health.stdout + health.stderr
        # Nothing was written to the (read-only) root filesystem.
        written = subprocess.run([*podman, "exec", name, "touch", "/opt/x"], capture_output=True, text=True)
        assert written.returncode != 0 and "Read-only file system" in written.stderr
    finally:
        remove_container(podman, name)


def test_serving_image_test_is_opt_in() -> None:
    """Without the opt-in variable the container test is a skip with its reason, never a failure."""
    if os.environ.get("MLFLEET_CONTAINER_TESTS") == "1":
        pytest.skip("opted in: the real test runs")
    with pytest.raises(pytest.skip.Exception, match="MLFLEET_CONTAINER_TESTS=1"):
        require_containers()
