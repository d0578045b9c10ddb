"""The project's images, built from its own Dockerfiles with podman and cached by content.

A plan names images by where `pulumi up` pushes them (ECR, Artifact Registry, ACR, a local
registry). The rehearsal builds `apps/<app>/Dockerfile` and tags the result with the plan's exact
reference, so the container runs under the very name the Deployment or Job gives.

Cache key: components/image_content.py's content key (the base image digest, the Dockerfile, its
ignore file and every file its COPY lines take from the build context), the same function that names
the stacks' default image tags (`src-<key>` with the deploy base); here with the local debootstrap
base. A rerun with nothing changed builds nothing.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from components.image_content import content_key
from mlfleet.rehearse.errors import RehearsalError
from mlfleet.rehearse.podman import Podman
from mlfleet.rehearse.tools import SBIN

BASE_SCRIPT = "scripts/build-base-image.sh"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
LOCK_FILE = Path(tempfile.gettempdir()) / "mlfleet-image-build.lock"


@dataclass(frozen=True)
class BuiltImage:
    app: str
    ref: str  # localhost/mlfleet-<app>:rh-<content key>
    seconds: float
    cached: bool


def apps_with_images(repo_root: Path) -> list[str]:
    """Every app that ships an image (apps/<app>/Dockerfile)."""
    return sorted(path.parent.name for path in (repo_root / "apps").glob("*/Dockerfile"))


def app_for_image(image: str, apps: list[str]) -> str | None:
    """The app whose image this plan reference names: its repository ends with the app's name
    (`.../mlfleet-dev-images-serving:0.1.0`, `localhost:5001/mlfleet-trainer@sha256:...`)."""
    repository = re.split(r"[@]", image, maxsplit=1)[0]
    last = repository.rsplit("/", 1)[-1]
    if ":" in last:
        last = last.rsplit(":", 1)[0]
    matches = [app for app in apps if last == app or last.endswith(f"-{app}")]
    return matches[0] if len(matches) == 1 else None


def base_image(repo_root: Path) -> str:
    """The digest-pinned debootstrap base (built once, then reused): registry images such as
    python:3.11-slim cannot be pulled on these machines."""
    with _build_lock():
        result = subprocess.run(
            ["bash", str(repo_root / BASE_SCRIPT)],
            capture_output=True,
            text=True,
            timeout=1800,
            # debootstrap lives in /usr/sbin, which a minimal PATH lacks.
            env={**os.environ, "PATH": os.pathsep.join([os.environ.get("PATH", ""), *SBIN])},
        )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines or "@sha256:" not in lines[-1]:
        raise RehearsalError(
            f"{BASE_SCRIPT} failed: {result.stderr.strip()[-1500:]}",
            fix="needs root, podman, runc and debootstrap (make tools), and network to Debian's mirror",
        )
    return lines[-1]


@contextmanager
def _build_lock() -> Iterator[None]:
    """One build at a time on this machine: parallel rehearsals would build the same image twice."""
    with open(LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build(podman: Podman, repo_root: Path, app: str, base_ref: str) -> BuiltImage:
    ref = f"localhost/mlfleet-{app}:rh-{content_key(repo_root, app, base_ref)}"
    with _build_lock():
        if podman.image_exists(ref):
            return BuiltImage(app, ref, 0.0, cached=True)
        started = int(time.time())
        built = podman_build(podman, repo_root, app, base_ref, ref)
        prune_superseded(podman, app, keep=ref, layers_before=started)
        return built


def prune_superseded(podman: Podman, app: str, keep: str, layers_before: int | None = None) -> list[str]:
    """Remove this app's other content-keyed images, and dangling layers made before `layers_before`
    (epoch seconds; the last build's intermediate stages stay as the next build's layer cache).

    Each image is 0.7-0.9 GB on vfs storage, and every source change makes a new key: left alone
    they filled the disk (a CI run failed with "no space left on device"). Called under the build
    lock, so no other build is using the layers. An image a container still runs stays (podman
    refuses to remove it without --force). Returns the tags removed."""
    repository = f"localhost/mlfleet-{app}"
    listed = podman.run(
        "images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", f"reference={repository}", check=False
    ).stdout.split()
    stale = [tag for tag in listed if tag.startswith(f"{repository}:rh-") and tag != keep]
    removed = [tag for tag in stale if podman.run("rmi", tag, check=False, timeout=300).returncode == 0]
    if layers_before is not None:
        until = f"until={layers_before}"
        podman.run("image", "prune", "--force", "--filter", until, check=False, timeout=600)
    return removed


def podman_build(podman: Podman, repo_root: Path, app: str, base_ref: str, ref: str) -> BuiltImage:
    dockerfile = repo_root / "apps" / app / "Dockerfile"
    args = [
        "build",
        "--format",
        "docker",
        "-f",
        str(dockerfile),
        "--ignorefile",
        str(dockerfile.with_name("Dockerfile.dockerignore")),
        "--build-arg",
        f"BASE_IMAGE={base_ref}",
        "--build-arg",
        f"REVISION={ref.rsplit(':', 1)[1]}",
        "-t",
        ref,
    ]
    if CA_BUNDLE.is_file():  # trusted by pip/uv in the build steps only (see the Dockerfiles)
        args += ["--secret", f"id=build_ca,src={CA_BUNDLE}"]
    started = time.monotonic()
    result = subprocess.run(
        [*podman.prefix, *args, str(repo_root)], capture_output=True, text=True, timeout=3600, env=podman.env
    )
    if result.returncode != 0:
        raise RehearsalError(
            f"building apps/{app}/Dockerfile failed:\n{(result.stdout + result.stderr)[-3000:]}",
            fix=f"reproduce with: podman build -f apps/{app}/Dockerfile --build-arg BASE_IMAGE={base_ref} .",
        )
    return BuiltImage(app, ref, time.monotonic() - started, cached=False)
