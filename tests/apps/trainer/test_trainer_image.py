"""The trainer Dockerfile: hadolint-clean always; an opt-in real podman build and run."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import pytest

from mlfleet.rehearse.podman import run_limits
from tests.container_support import build_image, remove_container, require_containers
from tests.support import REPO_ROOT, require_tool

DOCKERFILE = REPO_ROOT / "apps" / "trainer" / "Dockerfile"
TAG = "localhost/mlfleet-trainer:container-test"


def test_dockerfile_is_hadolint_clean() -> None:
    hadolint = require_tool("hadolint")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_multi_stage_non_root_and_labelled() -> None:
    text = DOCKERFILE.read_text()
    assert len(re.findall(r"^FROM \$\{BASE_IMAGE\} AS \w+", text, re.M)) == 2
    assert re.search(r"^ARG BASE_IMAGE$", text, re.M)  # no unpinned default
    assert re.search(r"^USER 10001:10001$", text, re.M)
    assert "uv sync --frozen" in text and "--package mlfleet-trainer" in text  # from the lock
    for label in ("title", "source", "version", "revision", "licenses"):
        assert f"org.opencontainers.image.{label}=" in text


@pytest.mark.container
def test_image_builds_runs_as_non_root_and_trains_into_a_mounted_registry(tmp_path: Path) -> None:
    podman = require_containers()
    build_image(podman, "trainer", TAG)
    limits = run_limits()
    name = f"mlfleet-trainer-test-{uuid.uuid4().hex[:8]}"
    try:
        user = subprocess.run(
            [*podman, "run", "--rm", "--name", name, *limits, "--entrypoint", "id", TAG, "-u"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert user.returncode == 0, user.stderr
        assert user.stdout.strip() == "10001"

        registry = tmp_path / "reg"
        registry.mkdir()
        registry.chmod(0o777)  # the container's uid 10001 writes here
        run = [*podman, "run", "--rm", "--name", name, *limits, "--network", "none"]
        # No CMD in the image: the registry and model come from the environment, as on the cluster.
        run += ["-v", f"{registry}:/mnt/registry", "-e", "MLFLEET_REGISTRY=/mnt/registry"]
        run += ["-e", "MLFLEET_MODEL=container-model", TAG]
        result = subprocess.run(run, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "registered container-model v0001" in result.stdout + result.stderr
        manifest = registry / "models" / "container-model" / "versions" / "v0001" / "manifest.json"
        assert manifest.exists()
        assert manifest.stat().st_uid == 10001  # written by the non-root user
        assert '"container-test"' in manifest.read_text()  # MLFLEET_CODE_VERSION from REVISION
    finally:
        remove_container(podman, name)
