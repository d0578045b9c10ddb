"""Helpers for the opt-in container tests (marker `container`, MLFLEET_CONTAINER_TESTS=1).

They really build and run the images with podman (`--runtime runc --storage-driver vfs`: crun and
overlay do not work on these machines) on the debootstrap base image from
scripts/build-base-image.sh, since registry images such as python:3.11-slim cannot be pulled here.
"""

from __future__ import annotations

import os
import shutil
import subprocess

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


def build_image(podman: list[str], app: str, tag: str) -> tuple[float, int]:
    """Build apps/<app>/Dockerfile (the rehearsal's builder: debootstrap base, content cache) and tag
    it `tag`; return (seconds, image size bytes)."""
    from mlfleet.rehearse import images
    from mlfleet.rehearse.podman import Podman

    given = os.environ.get("MLFLEET_BASE_IMAGE")
    if given:
        assert "@sha256:" in given, "MLFLEET_BASE_IMAGE must be pinned by digest (name@sha256:...)"
    base = given or images.base_image(REPO_ROOT)
    built = images.build(Podman(" ".join(podman[1:])), REPO_ROOT, app, base)
    subprocess.run([*podman, "tag", built.ref, tag], check=True, capture_output=True)
    size = subprocess.run(
        [*podman, "image", "inspect", "--format", "{{.Size}}", tag],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    how = "cached" if built.cached else "fresh"
    print(f"built {tag} in {built.seconds:.0f} s ({how}), {int(size) / 1e6:.0f} MB")
    return built.seconds, int(size)


def remove_container(podman: list[str], name: str) -> None:
    subprocess.run([*podman, "rm", "-f", "-t", "5", name], capture_output=True, timeout=120)
