"""Opt-in: `mlfleet images push` against a real cloud registry (ECR, Artifact Registry, or ACR
through ACR Tasks on an agent pool), with the credentials of the shell running the test.

    MLFLEET_TEST_CLOUD=1 MLFLEET_TEST_PUSH_REPOSITORY=<registry>/<repository> \
        .venv/bin/pytest tests/images/test_push_cloud.py
    (ACR: also MLFLEET_TEST_ACR_AGENT_POOL=<pool>)

It pushes a two-line image (`scratch` plus one file) under a fresh content tag, then runs again and
expects `unchanged` (ECR/Artifact Registry; ACR Tasks does not check first). It leaves that tag in
the repository: a test repository's lifecycle rules clean it up.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from components.image_content import content_tag
from tests.support import REPO_ROOT

pytestmark = pytest.mark.cloud
MLFLEET = REPO_ROOT / ".venv" / "bin" / "mlfleet"


def test_push_to_a_cloud_registry(tmp_path: Path) -> None:
    repository = os.environ.get("MLFLEET_TEST_PUSH_REPOSITORY")
    if os.environ.get("MLFLEET_TEST_CLOUD") != "1" or not repository:
        pytest.skip(
            "opt-in: set MLFLEET_TEST_CLOUD=1 and MLFLEET_TEST_PUSH_REPOSITORY=<registry>/<repository> "
            "(plus MLFLEET_TEST_ACR_AGENT_POOL for ACR) with credentials that may push there"
        )
    app = tmp_path / "apps" / "tiny"
    app.mkdir(parents=True)
    (app / "Dockerfile").write_text("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY apps/tiny/id.txt /id.txt\n")
    (app / "Dockerfile.dockerignore").write_text("**/__pycache__\n")
    (app / "id.txt").write_text(f"{uuid.uuid4()}\n")  # a fresh tag every run
    ref = f"{repository}:{content_tag('tiny', tmp_path, 'scratch')}"
    pool = os.environ.get("MLFLEET_TEST_ACR_AGENT_POOL")
    args = [str(MLFLEET), "images", "push", "--app", "tiny", "--ref", ref, "--base-image", "scratch"]
    args += ["--repo-root", str(tmp_path), *(["--acr-agent-pool", pool] if pool else [])]
    first = subprocess.run(args, capture_output=True, text=True, timeout=1800)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"pushed {ref}"), first.stdout
    if not pool:
        second = subprocess.run(args, capture_output=True, text=True, timeout=600)
        assert second.returncode == 0 and second.stdout.startswith(f"unchanged {ref}"), second.stderr
