"""`mlfleet images push` for real: podman builds an app image and pushes it to a real registry (the
CNCF distribution registry, Debian `docker-registry`) on 127.0.0.1; the image is pulled back by the
exact ref; a second run pushes nothing. The app is a two-line Dockerfile on `scratch`, so the test
needs no base image and no network."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.image_content import content_tag
from tests.support import REPO_ROOT, free_port, require_tool

pytestmark = pytest.mark.integration
MLFLEET = REPO_ROOT / ".venv" / "bin" / "mlfleet"
PODMAN = ["podman", "--runtime", "runc", "--storage-driver", "vfs"]


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[str]:
    binary = require_tool("docker-registry")
    require_tool("skopeo")
    require_tool("podman")
    port = free_port()
    config = tmp_path / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        f"storage:\n  filesystem:\n    rootdirectory: {tmp_path / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    process = subprocess.Popen(
        [binary, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    app = tmp_path / "repo" / "apps" / "tiny"
    app.mkdir(parents=True)
    (app / "Dockerfile").write_text(
        "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY apps/tiny/hello.txt /hello.txt\n"
    )
    (app / "hello.txt").write_text("hello\n")
    (app / "Dockerfile.dockerignore").write_text("**/__pycache__\n")
    return tmp_path / "repo"


def push(repo: Path, ref: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(str(MLFLEET), "images", "push", "--app", "tiny", "--ref", ref),
            *("--base-image", "scratch", "--repo-root", str(repo)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_push_then_pull_back_then_nothing_to_push(registry: str, repo: Path) -> None:
    ref = f"{registry}/mlfleet-test-images-tiny:{content_tag('tiny', repo, 'scratch')}"
    first = push(repo, ref)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"pushed {ref}@sha256:"), first.stdout
    digest = first.stdout.strip().rsplit("@", 1)[1]
    subprocess.run([*PODMAN, "rmi", "--force", ref], capture_output=True)  # pull back from the registry
    try:
        pulled = subprocess.run(
            [*PODMAN, "pull", "--tls-verify=false", ref], capture_output=True, text=True, timeout=300
        )
        assert pulled.returncode == 0, pulled.stderr
        listed = subprocess.run(
            [*PODMAN, "image", "inspect", "--format", "{{.Digest}}", ref], capture_output=True, text=True
        )
        assert listed.stdout.strip() == digest
        second = push(repo, ref)
        assert second.returncode == 0, second.stderr
        assert second.stdout.startswith(f"unchanged {ref}"), second.stdout
    finally:
        subprocess.run([*PODMAN, "rmi", "--force", ref], capture_output=True)


def test_changed_source_gets_a_new_tag_and_a_push(registry: str, repo: Path) -> None:
    before = content_tag("tiny", repo, "scratch")
    (repo / "apps" / "tiny" / "hello.txt").write_text("hello again\n")
    after = content_tag("tiny", repo, "scratch")
    assert after != before and after.startswith("src-")
    ref = f"{registry}/mlfleet-test-images-tiny:{after}"
    try:
        result = push(repo, ref)
        assert result.returncode == 0 and result.stdout.startswith(f"pushed {ref}@"), result.stderr
    finally:
        subprocess.run([*PODMAN, "rmi", "--force", ref], capture_output=True)


def test_a_bad_ref_is_one_line(repo: Path) -> None:
    result = push(repo, "no-tag-here")
    assert result.returncode == 1
    assert result.stderr.startswith("error: --ref 'no-tag-here' is not") and "Traceback" not in result.stderr


def test_acr_task_uploads_only_the_image_context(repo: Path, tmp_path: Path) -> None:
    """ACR is closed to pushes from outside its VNet: the build runs as an ACR Task on the agent pool.
    `az` here is a stand-in that records what it was asked to upload (no Azure on this machine)."""
    (repo / "README.md").write_text("not in the image\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "az.txt"
    fake = bin_dir / "az"
    context = '"${@: -1}"'
    fake.write_text(
        f'#!/bin/bash\necho "$@" > {record}\n(cd {context} && find . -type f | sort) >> {record}\n'
    )
    fake.chmod(0o755)
    ref = "mlfleetdevimages.azurecr.io/tiny:src-0123456789abcdef"
    result = subprocess.run(
        [
            *(str(MLFLEET), "images", "push", "--app", "tiny", "--ref", ref, "--acr-agent-pool", "pool1"),
            *("--base-image", "scratch", "--repo-root", str(repo)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"pushed {ref}")
    args, *files = record.read_text().splitlines()
    assert args.startswith(
        "acr build --registry mlfleetdevimages --agent-pool pool1 --image tiny:src-0123456789abcdef"
    )
    assert files == ["./apps/tiny/Dockerfile", "./apps/tiny/Dockerfile.dockerignore", "./apps/tiny/hello.txt"]
