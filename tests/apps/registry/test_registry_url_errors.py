"""Every registry URL problem is one clear line on stderr from the real `mlfleet` command (exit 1,
no traceback): unreachable endpoint, missing bucket, invalid bucket name, permission denied, a file
where a directory should be, over-long names; `list`/`verify` of a registry that does not exist is
an explicit error, never "ok"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from integration.emulators import AZURITE_ACCOUNT, Emulator
from mlfleet_registry import open_registry

from tests.support import REPO_ROOT, free_port

from .conftest import EMULATOR_FIXTURES

MLFLEET = [sys.executable, "-m", "mlfleet.cli"]


def mlfleet(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the real command; return (exit code, stderr) and check stderr is one clean line."""
    full_env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    full_env.pop("MLFLEET_DEBUG", None)
    result = subprocess.run(
        [*MLFLEET, *args], capture_output=True, text=True, cwd=REPO_ROOT, env=full_env, timeout=120
    )
    err = result.stderr
    assert "Traceback" not in err, err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return result.returncode, err


def test_the_module_entry_point_is_the_real_cli() -> None:
    result = subprocess.run([*MLFLEET, "models", "--help"], capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 0 and "repair" in result.stdout


def test_local_paths(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    for command in ("list", "verify"):
        code, err = mlfleet("models", command, "--registry", str(missing))
        assert code == 1 and f"no registry at {missing}: the directory does not exist" in err
    (tmp_path / "empty").mkdir()
    code, err = mlfleet("models", "verify", "--registry", str(tmp_path / "empty"))
    assert code == 1 and "nothing is stored under it" in err
    afile = tmp_path / "afile"
    afile.write_text("x")
    code, err = mlfleet("models", "list", "--registry", str(afile))
    assert code == 1 and "the registry path is a file, not a directory" in err
    code, err = mlfleet(
        "models", "promote", "demo", "v0001", "--reason", "x", "--registry", str(afile / "reg")
    )
    assert code == 1 and "(a parent of the registry path) is a file, not a directory" in err
    code, err = mlfleet("models", "list", "--registry", str(tmp_path / ("x" * 300)))
    assert code == 1 and "longer than 255 bytes" in err
    code, err = mlfleet("models", "show", "x" * 300, "--registry", str(tmp_path))
    assert code == 1 and "invalid model name" in err and "300 characters" in err


def test_local_permission_denied(tmp_path: Path) -> None:
    """sysfs refuses new directories even to root (the tests run as root, so chmod proves nothing)."""
    source = tmp_path / "src"
    (source / "audit").mkdir(parents=True)
    (source / "audit" / "e.json").write_text('{"id": "1", "at": "2026-01-01T00:00:00.000000Z", "event": "x"}')
    code, err = mlfleet("models", "sync", "/sys/mlfleet-registry-test", "--registry", str(source))
    assert code == 1 and "cannot create /sys/mlfleet-registry-test/audit/e.json: permission denied" in err


@pytest.mark.integration
@pytest.mark.parametrize("scheme", ["s3", "gs", "az"])
def test_buckets(scheme: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator: Emulator = request.getfixturevalue(EMULATOR_FIXTURES[scheme])
    env = emulator.env
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for command in ("list", "verify"):
        code, err = mlfleet("models", command, "--registry", f"{scheme}://nosuchbucket123/reg", env=env)
        assert code == 1 and "no registry at" in err and "'nosuchbucket123' does not exist" in err, err
    empty = emulator.new_url()
    code, err = mlfleet("models", "list", "--registry", empty, env=env)
    assert code == 1 and f"no registry at {empty}: nothing is stored under it" in err
    code, err = mlfleet("models", "list", "--registry", f"{scheme}://Bad_Bucket!/reg", env=env)
    assert code == 1 and "invalid bucket/container name 'Bad_Bucket!'" in err
    code, err = mlfleet("models", "list", "--registry", f"{scheme}://{'b' * 70}/reg", env=env)
    assert code == 1 and "invalid bucket/container name" in err and "3-63" in err
    code, err = mlfleet("models", "list", "--registry", f"{scheme}://bucket/a/../b", env=env)
    assert code == 1 and "'..' path segment" in err
    # a read and a write in a missing bucket
    code, err = mlfleet(
        "models",
        "promote",
        "demo",
        "v0001",
        "--reason",
        "x",
        "--registry",
        f"{scheme}://nosuchbucket123/r",
        env=env,
    )
    assert code == 1 and "'nosuchbucket123' does not exist" in err
    source = open_registry(emulator.new_url())
    source.record("note", model="demo", actor="test", reason="something to copy")
    code, err = mlfleet(
        "models", "sync", f"{scheme}://nosuchbucket123/reg", "--registry", source.url, env=env
    )
    assert (
        code == 1
        and f"cannot create {scheme}://nosuchbucket123/reg/audit/" in err
        and "does not exist" in err
    )


UNREACHABLE = {
    "s3": lambda port: {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"},
    "gs": lambda port: {"STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{port}"},
    "az": lambda port: {
        "AZURE_STORAGE_CONNECTION_STRING": f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
        f"AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};"
    },
}


@pytest.mark.parametrize("scheme", ["s3", "gs", "az"])
def test_unreachable_endpoint_fails_fast(scheme: str) -> None:
    port = free_port()  # nothing listens there
    env = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", **UNREACHABLE[scheme](port)}
    code, err = mlfleet("models", "verify", "--registry", f"{scheme}://bucket/reg", env=env)
    assert code == 1 and f"cannot reach the object store endpoint http://127.0.0.1:{port}" in err


@pytest.mark.integration
def test_azure_wrong_key_is_permission_denied(azure_emulator: Emulator) -> None:
    url = azure_emulator.new_url()
    wrong = azure_emulator.env["AZURE_STORAGE_CONNECTION_STRING"].replace(
        "AccountKey=Eby8", "AccountKey=Xby8"
    )
    code, err = mlfleet("models", "list", "--registry", url, env={"AZURE_STORAGE_CONNECTION_STRING": wrong})
    assert code == 1 and "permission denied" in err
