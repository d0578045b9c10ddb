"""Helpers for the opt-in container tests (marker `container`, MLFLEET_CONTAINER_TESTS=1).

They really build and run the images with podman (`--runtime runc --storage-driver vfs`: crun and
overlay do not work on these machines) on the debootstrap base image from
scripts/build-base-image.sh, since registry images such as python:3.11-slim cannot be pulled here.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.support import REPO_ROOT

OPT_IN = "MLFLEET_CONTAINER_TESTS"
PODMAN_FLAGS = ["--runtime", "runc", "--storage-driver", "vfs"]


def require_containers() -> list[str]:
    """The podman command prefix; skip unless opted in, fail if opted in without podman."""
    if os.environ.get(OPT_IN) != "1":
        pytest.skip(
            f"opt-in: set {OPT_IN}=1 to build and run the images with podman "
            "(needs root, podman/buildah/runc/debootstrap from apt, and network to Debian and PyPI)"
        )
    podman = shutil.which("podman")
    if podman is None or shutil.which("runc") is None:
        pytest.fail("podman/runc are not installed: apt-get install podman buildah runc debootstrap")
    return [podman, *PODMAN_FLAGS]


def run_limits() -> list[str]:
    """`--ulimit` flags for `podman run`. As root, podman asks runc for nofile=1048576 and a huge
    nproc, which this sandbox refuses ("error setting rlimit type 7/6: operation not permitted");
    ask for what the current process may have instead."""
    hard_nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nofile = 65536 if hard_nofile == resource.RLIM_INFINITY else min(hard_nofile, 65536)
    return ["--ulimit", f"nofile={nofile}:{nofile}", "--ulimit", "nproc=4096:4096"]


def base_image() -> str:
    """A digest-pinned base: $MLFLEET_BASE_IMAGE, else scripts/build-base-image.sh (reused if built)."""
    given = os.environ.get("MLFLEET_BASE_IMAGE")
    if given:
        assert "@sha256:" in given, "MLFLEET_BASE_IMAGE must be pinned by digest (name@sha256:...)"
        return given
    script = REPO_ROOT / "scripts" / "build-base-image.sh"
    result = subprocess.run([str(script)], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    ref = result.stdout.strip().splitlines()[-1]
    assert "@sha256:" in ref, result.stdout
    return ref


def build_ca() -> Path | None:
    """A CA bundle to pass as the `build_ca` build secret (TLS-intercepting proxies), if any."""
    for candidate in (os.environ.get("MLFLEET_BUILD_CA"), os.environ.get("SSL_CERT_FILE")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    default = Path("/etc/ssl/certs/ca-certificates.crt")
    return default if default.is_file() else None


def build_image(podman: list[str], app: str, tag: str) -> tuple[float, int]:
    """Build apps/<app>/Dockerfile from the repository root; return (seconds, image size bytes).
    `--format docker` keeps HEALTHCHECK (the OCI image format has no field for it)."""
    dockerfile = REPO_ROOT / "apps" / app / "Dockerfile"
    command = [
        *podman,
        "build",
        "--format",
        "docker",
        "-f",
        str(dockerfile),
        "--ignorefile",
        str(dockerfile.with_name("Dockerfile.dockerignore")),
        "--build-arg",
        f"BASE_IMAGE={base_image()}",
        "--build-arg",
        "REVISION=container-test",
        "-t",
        tag,
    ]
    ca = build_ca()
    if ca is not None:
        command += ["--secret", f"id=build_ca,src={ca}"]
    start = time.monotonic()
    result = subprocess.run([*command, "."], cwd=REPO_ROOT, capture_output=True, text=True, timeout=3600)
    seconds = time.monotonic() - start
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    size = subprocess.run(
        [*podman, "image", "inspect", "--format", "{{.Size}}", tag],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"built {tag} in {seconds:.0f} s, {int(size) / 1e6:.0f} MB")
    return seconds, int(size)


def remove_container(podman: list[str], name: str) -> None:
    subprocess.run([*podman, "rm", "-f", "-t", "5", name], capture_output=True, timeout=120)
