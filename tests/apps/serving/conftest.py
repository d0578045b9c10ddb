"""Fixtures for the serving tests: a real local registry with the reference model, and apps."""

from __future__ import annotations

import datetime as dt
import ipaddress
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from mlfleet_serving import process
from mlfleet_serving.app import create_app
from mlfleet_serving.auth import hash_api_key, hash_entry
from mlfleet_serving.reference_model import publish_reference_model, reference_data
from mlfleet_serving.settings import ServingSettings

from tests.conftest import free_port

MODEL = "breast-cancer"
KEY = "test-key-" + "a" * 40
OTHER_KEY = "test-key-" + "b" * 40
AUTH = {"X-API-Key": KEY}
# The first row of the breast-cancer data: inside every feature's schema range.
VALID_ROW = [
    17.99,
    10.38,
    122.8,
    1001.0,
    0.1184,
    0.2776,
    0.3001,
    0.1471,
    0.2419,
    0.07871,
    1.095,
    0.9053,
    8.589,
    153.4,
    0.006399,
    0.04904,
    0.05373,
    0.01587,
    0.03003,
    0.006193,
    25.38,
    17.33,
    184.6,
    2019.0,
    0.1622,
    0.6656,
    0.7119,
    0.2654,
    0.4601,
    0.1189,
]


@pytest.fixture(scope="session")
def data() -> tuple[np.ndarray, np.ndarray, list[str]]:
    return reference_data()


@pytest.fixture(scope="session")
def shared_registry(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Read-only registry: the 50-tree reference forest as `production`. Do not move its aliases."""
    path = tmp_path_factory.mktemp("registry")
    publish_reference_model(str(path), MODEL, n_estimators=50, seed=42)
    return str(path)


@pytest.fixture
def own_registry(tmp_path: Path) -> str:
    """A registry this test may change: a 10-tree forest (fast to publish) as `production`."""
    publish_reference_model(str(tmp_path / "registry"), MODEL, n_estimators=10, seed=42)
    return str(tmp_path / "registry")


def settings_for(registry: str, **overrides: Any) -> ServingSettings:
    values: dict[str, Any] = {"registry": registry, "model": MODEL, "access_log": False, **overrides}
    return ServingSettings(**values)


@pytest.fixture
def make_client(shared_registry: str) -> Iterator[Callable[..., TestClient]]:
    """make_client(registry=None, **settings) -> a started TestClient (stopped after the test)."""
    clients: list[TestClient] = []

    def make(registry: str | None = None, **overrides: Any) -> TestClient:
        settings = settings_for(registry or shared_registry, **overrides)
        keys = {hash_api_key(KEY): "tester", hash_api_key(OTHER_KEY): "other"}
        client = TestClient(
            create_app(settings, extra_key_hashes=keys, poll=False), raise_server_exceptions=False
        )
        client.__enter__()
        clients.append(client)
        return client

    try:
        yield make
    finally:
        for client in clients:
            client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def server_env(registry: str, directory: Path, **extra: str) -> tuple[int, dict[str, str]]:
    """(port, environment) for a server process on 127.0.0.1 with KEY in a keys file, no access log
    and no effective rate limit (the per-key limit is tested elsewhere; load tests must not be
    throttled)."""
    keys = directory / "keys"
    keys.write_text(hash_entry("t", KEY) + "\n")
    port = free_port()
    env = process.serving_env(
        registry,
        MODEL,
        port,
        keys,
        MLFLEET_ACCESS_LOG="false",
        MLFLEET_RATE_LIMIT_PER_SECOND="1000000",
        MLFLEET_RATE_LIMIT_BURST="1000000",
        **extra,
    )
    return port, env


@pytest.fixture
def server(own_registry: str, tmp_path: Path) -> Iterator[str]:
    """A real server process on 127.0.0.1 serving `own_registry` (alias polled every 0.2 s)."""
    port, env = server_env(own_registry, tmp_path, MLFLEET_POLL_INTERVAL_SECONDS="0.2")
    with (tmp_path / "server.log").open("wb") as log:
        proc = process.start(["-m", "mlfleet_serving"], env, log)
        try:
            process.wait_ready(proc, f"http://127.0.0.1:{port}/v2/health/ready")
            yield f"http://127.0.0.1:{port}"
        finally:
            # SIGTERM: uvicorn drains, runs the lifespan shutdown, then re-raises the signal.
            assert process.stop(proc) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in (tmp_path / "server.log").read_text()


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files in `directory`)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls.crt", directory / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path
