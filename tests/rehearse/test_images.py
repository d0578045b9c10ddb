"""The rehearsal's image cache keeps one image per app: superseded content keys are removed."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import time
import uuid

import pytest

from mlfleet.rehearse import images
from mlfleet.rehearse.podman import Podman
from mlfleet.rehearse.tools import find_tool


@pytest.fixture
def podman() -> Podman:
    if os.geteuid() != 0 or find_tool("podman") is None or find_tool("runc") is None:
        reason = "needs root with podman and runc (make tools)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(reason)
        pytest.skip(reason)
    return Podman()


def _empty_image(podman: Podman, ref: str, marker: str) -> None:
    """A tiny image (one file, so each one is distinct) imported without any registry."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        data = marker.encode()
        info = tarfile.TarInfo("marker")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    command = [*podman.prefix, "import", "-", ref]
    subprocess.run(command, input=buffer.getvalue(), check=True, capture_output=True, env=podman.env)


def test_superseded_keys_of_the_app_are_removed_and_others_kept(podman: Podman) -> None:
    app = f"prunetest{uuid.uuid4().hex[:8]}"
    other = f"{app}x"  # a different app whose name starts the same: not this app's image
    old, older, keep = (f"localhost/mlfleet-{app}:rh-{key}" for key in ("old", "older", "new"))
    plan_ref = f"localhost:5001/mlfleet-{app}:0.1.0"  # the plan's tag on the image being kept
    foreign = f"localhost/mlfleet-{other}:rh-old"
    try:
        for ref in (old, older, keep, foreign):
            _empty_image(podman, ref, ref)
        podman.run("tag", keep, plan_ref)
        removed = images.prune_superseded(podman, app, keep=keep, layers_before=int(time.time()) - 3600)
        assert sorted(removed) == sorted([old, older])
        assert not podman.image_exists(old) and not podman.image_exists(older)
        assert podman.image_exists(keep) and podman.image_exists(plan_ref)
        assert podman.image_exists(foreign)
    finally:
        podman.run("rmi", "--force", keep, plan_ref, old, older, foreign, check=False)
