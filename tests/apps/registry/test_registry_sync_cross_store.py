"""Cross-cloud registry sync (issue 13 item 4) between two real object-store emulators: the primary's
registry on moto_server (S3), a destination cell's on fake-gcs-server (GCS), copied by the
`mlfleet-registry sync` command the stack's CronJob runs (components/kubernetes/registry_sync.py).

A version appears in the destination only whole and verified: hashes checked, signed by the primary's
key (the destination trusts that key), a corrupt blob or a foreign signature refused, and a sync
killed halfway resumes to the same result."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from integration.emulators import Emulator
from mlfleet_registry import IntegrityError, Registry, Signer, Verifier, open_registry
from mlfleet_registry.signing import generate_key
from mlfleet_registry.store import ObjectStore

from tests.support import REPO_ROOT

from .conftest import publish_kwargs
from .test_registry_contract import run_crashing

pytestmark = pytest.mark.integration
CLI = str(Path(sys.executable).with_name("mlfleet-registry"))


@pytest.fixture
def clouds(
    s3_emulator: Emulator, gcs_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str]]:
    """A fresh primary registry on S3 and a fresh destination registry on GCS, both clients configured."""
    for key, value in {**s3_emulator.env, **gcs_emulator.env}.items():
        monkeypatch.setenv(key, value)
    yield s3_emulator.new_url(), gcs_emulator.new_url()


@pytest.fixture(scope="module")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The primary cell's signing key and another cell's (each a private key + its .pub)."""
    folder = tmp_path_factory.mktemp("keys")
    files = {}
    for cell in ("primary", "other"):
        public, _ = generate_key(folder / f"{cell}.pem")
        files[cell], files[f"{cell}.pub"] = folder / f"{cell}.pem", public
    return files


def registry(url: str, keys: dict[str, Path], signer: str | None, trusts: str) -> Registry:
    return Registry(
        ObjectStore(url),
        signer=Signer(keys[signer].read_bytes()) if signer else None,
        verifier=Verifier([(trusts, keys[f"{trusts}.pub"].read_bytes())]),
    )


def sync(source: str, destination: str, verify_keys: Path) -> subprocess.CompletedProcess[str]:
    """What the CronJob's container runs: MLFLEET_REGISTRY = the primary's registry."""
    env = {**os.environ, "MLFLEET_REGISTRY": source, "MLFLEET_VERIFY_KEYS": str(verify_keys)}
    return subprocess.run(
        [CLI, "sync", destination], capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=120
    )


def publish_two(reg: Registry, model: Any) -> None:
    first = reg.publish("demo", model, **publish_kwargs())
    reg.set_alias("demo", "production", first.version, actor="ci", reason="first")
    second = reg.publish("demo", model, **publish_kwargs(parent_version=first.version))
    reg.set_alias("demo", "production", second.version, expected=first.version, actor="ci", reason="better")


def test_a_version_crosses_clouds_whole_and_verifies_with_the_primarys_key(
    clouds: tuple[str, str], key_files: dict[str, Path], fitted_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    src_url, dst_url = clouds
    publish_two(registry(src_url, key_files, "primary", "primary"), fitted_model)
    result = sync(src_url, dst_url, key_files["primary.pub"])
    assert result.returncode == 0, result.stderr
    assert "2 version(s) copied" in result.stdout and "0 conflict(s)" in result.stdout
    # The destination cell's pods trust their own cell's key and, inline, the primary's public key (what
    # the stack sets in every other cell's MLFLEET_VERIFY_KEYS): they load what production points at.
    inline = key_files["primary.pub"].read_text()
    monkeypatch.setenv("MLFLEET_VERIFY_KEYS", f"{key_files['other.pub']},{inline}")
    dst = open_registry(dst_url)
    assert dst.verify() == []
    assert dst.load("demo", dst.resolve("demo", "production")).manifest.version == "v0002"
    # A cell that trusts only its own key refuses the primary's versions (why MLFLEET_VERIFY_KEYS in
    # every cell must hold the primary's key).
    with pytest.raises(IntegrityError, match="unknown key"):
        registry(dst_url, key_files, None, "other").load("demo", "v0002")
    again = sync(src_url, dst_url, key_files["primary.pub"])
    assert again.returncode == 0 and "0 version(s) copied, 2 already present" in again.stdout


def test_a_corrupt_blob_or_a_foreign_signature_is_not_copied(
    clouds: tuple[str, str], key_files: dict[str, Path], fitted_model: Any
) -> None:
    src_url, dst_url = clouds
    src = registry(src_url, key_files, "primary", "primary")
    corrupt = src.publish("demo", fitted_model, **publish_kwargs())
    src.store.write(src.blob_key("demo", corrupt.files["model.skops"]), b"garbage")
    # Signed by a key the primary's sync does not trust (not the primary's publisher).
    registry(src_url, key_files, "other", "other").publish(
        "demo", fitted_model, **publish_kwargs(parent_version=corrupt.version)
    )
    result = sync(src_url, dst_url, key_files["primary.pub"])
    assert result.returncode == 1
    assert "not replicating demo v0001" in result.stderr and "does not match" in result.stderr
    assert "not replicating demo v0002" in result.stderr and "unknown key" in result.stderr
    assert open_registry(dst_url).list_versions("demo") == []


def test_a_sync_killed_halfway_resumes(
    clouds: tuple[str, str], key_files: dict[str, Path], fitted_model: Any
) -> None:
    src_url, dst_url = clouds
    publish_two(registry(src_url, key_files, "primary", "primary"), fitted_model)
    run_crashing("sync", src_url, dst_url, "2")  # SIGKILL while creating the second manifest
    assert open_registry(dst_url).list_versions("demo") == ["v0001"]  # only the whole version shows
    result = sync(src_url, dst_url, key_files["primary.pub"])
    assert result.returncode == 0, result.stderr
    assert "1 version(s) copied, 1 already present" in result.stdout
    dst = registry(dst_url, key_files, None, "primary")
    assert dst.list_versions("demo") == ["v0001", "v0002"] and dst.verify() == []
    assert dst.load("demo", dst.resolve("demo", "production")).manifest.version == "v0002"


def test_the_command_says_what_is_missing() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MLFLEET_REGISTRY"}
    result = subprocess.run([CLI, "sync", "gs://b/r"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2 and result.stderr.strip() == (
        "error: no source registry: pass --source or set $MLFLEET_REGISTRY"
    )
