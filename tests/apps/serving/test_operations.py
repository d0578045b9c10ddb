"""Operations against real server processes and the CORS switch: graceful drain on SIGTERM, TLS at
the server, CORS off by default and on when configured."""

from __future__ import annotations

import json
import signal
import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from mlfleet_serving import process
from mlfleet_serving.auth import hash_entry

from tests.apps.serving.conftest import AUTH, KEY, MODEL, VALID_ROW, self_signed
from tests.conftest import free_port


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _in_flight(base: str) -> float:
    text = httpx.get(base + "/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith('mlfleet_requests_in_flight{route="/predict"}'):
            return float(line.split()[-1])
    return 0.0


def test_request_in_flight_at_sigterm_completes(own_registry: str, tmp_path: Path) -> None:
    """SIGTERM while a request is half received: the server stops accepting, lets that request
    finish with a 200 and only then exits."""
    keys = tmp_path / "keys"
    keys.write_text(hash_entry("t", KEY) + "\n")
    port = free_port()
    env = process.serving_env(own_registry, MODEL, port, keys, MLFLEET_ACCESS_LOG="false")
    log_path = tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    body = json.dumps({"instances": [VALID_ROW]}).encode()
    head = (
        f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with log_path.open("wb") as log:
        proc = process.start(["-m", "mlfleet_serving"], env, log)
        try:
            process.wait_ready(proc, base + "/v2/health/ready")
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(head + body[:10])  # the request is now in flight, waiting for its body
                _wait_for(lambda: _in_flight(base) == 1.0, "the request to be in flight")
                proc.send_signal(signal.SIGTERM)
                # uvicorn logs this once it has stopped accepting and asked connections to close.
                _wait_for(
                    lambda: "Waiting for connections to close" in log_path.read_text(),
                    "the server to start draining",
                )
                assert proc.poll() is None  # still draining
                refused = True
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=5).close()
                    refused = False
                except OSError:
                    pass
                assert refused, "the server still accepts connections while draining"
                sock.sendall(body[10:])
                response = b""
                while chunk := sock.recv(65536):  # the server closes the connection after answering
                    response += chunk
            status_line, _, rest = response.partition(b"\r\n")
            assert status_line == b"HTTP/1.1 200 OK", response[:300]
            assert json.loads(rest.partition(b"\r\n\r\n")[2])["predictions"] in ([0], [1])
            assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
        finally:
            process.stop(proc)
    assert "Application shutdown complete" in log_path.read_text()


def test_tls_at_the_server(own_registry: str, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    keys = tmp_path / "keys"
    keys.write_text(hash_entry("t", KEY) + "\n")
    port = free_port()
    env = process.serving_env(
        own_registry,
        MODEL,
        port,
        keys,
        MLFLEET_ACCESS_LOG="true",
        MLFLEET_TLS_CERTFILE=str(cert),
        MLFLEET_TLS_KEYFILE=str(key),
    )
    trust = ssl.create_default_context(cafile=str(cert))
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = process.start(["-m", "mlfleet_serving"], env, log)
        try:
            with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=trust, timeout=10) as https:

                def ready() -> bool:
                    assert proc.poll() is None, "the server exited"
                    try:
                        return https.get("/v2/health/ready").status_code == 200
                    except httpx.TransportError:
                        return False

                _wait_for(ready, "the TLS server to be ready", timeout=60)
                response = https.post(
                    "/predict", json={"instances": [VALID_ROW]}, headers={**AUTH, "X-Request-ID": "tls-1"}
                )
                assert response.status_code == 200 and response.json()["predictions"] in ([0], [1])
                assert response.headers["x-request-id"] == "tls-1"
            # The access log line reaches the log while the server runs (flushed, not held in a buffer).
            _wait_for(lambda: '"request_id":"tls-1"' in log_path.read_text(), "the access log line")
            line = next(x for x in log_path.read_text().splitlines() if '"request_id":"tls-1"' in x)
            entry = json.loads(line)
            assert entry["route"] == "/predict" and entry["status"] == 200 and entry["principal"] == "key:t"
            # The certificate is really checked: a client that does not trust it is refused.
            with httpx.Client(verify=ssl.create_default_context(), timeout=10) as untrusting:
                try:
                    untrusting.get(f"https://127.0.0.1:{port}/v2/health/live")
                    raise AssertionError("an untrusted self-signed certificate was accepted")
                except httpx.ConnectError as exc:
                    assert "CERTIFICATE_VERIFY_FAILED" in str(exc)
            # And plain HTTP gets no answer from the TLS port.
            try:
                plain = httpx.get(f"http://127.0.0.1:{port}/v2/health/live", timeout=5)
                assert plain.status_code >= 400
            except httpx.TransportError:
                pass
        finally:
            assert process.stop(proc) in (0, -signal.SIGTERM)


ORIGIN = "https://app.example.com"
PREFLIGHT = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "x-api-key",
}


def test_cors_is_off_by_default(client: TestClient) -> None:
    preflight = client.options("/predict", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in preflight.headers
    response = client.post("/predict", json={"instances": [VALID_ROW]}, headers={**AUTH, "Origin": ORIGIN})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_cors_allows_only_the_configured_origins(make_client: Callable[..., TestClient]) -> None:
    client = make_client(cors_origins=[ORIGIN])
    preflight = client.options("/predict", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
    response = client.post("/predict", json={"instances": [VALID_ROW]}, headers={**AUTH, "Origin": ORIGIN})
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == ORIGIN
    # The same answer as a request without an Origin (which the fast path serves).
    plain = client.post("/predict", json={"instances": [VALID_ROW]}, headers=AUTH)
    assert plain.json() == response.json()
    # Errors from the framework route keep the one error shape.
    unauthenticated = client.post("/predict", json={"instances": [VALID_ROW]}, headers={"Origin": ORIGIN})
    assert unauthenticated.status_code == 401 and unauthenticated.json()["error"]["code"] == "unauthenticated"
    other = client.options("/predict", headers={**PREFLIGHT, "Origin": "https://evil.example"})
    assert other.headers.get("access-control-allow-origin") != "https://evil.example"
    response = client.post(
        "/predict", json={"instances": [VALID_ROW]}, headers={**AUTH, "Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in response.headers
