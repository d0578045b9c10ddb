"""The Open Inference Protocol gRPC endpoint of the real server (a process on 127.0.0.1), called
with a real gRPC client: the same answers, refusals and metrics as REST."""

from __future__ import annotations

import json
import re
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
from mlfleet_serving import process
from mlfleet_serving.grpc import grpc_predict_v2_pb2 as pb
from mlfleet_serving.grpc import grpc_predict_v2_pb2_grpc as pb_grpc
from mlfleet_serving.grpc import health_pb2, health_pb2_grpc

from tests.apps.serving.conftest import KEY, MODEL, VALID_ROW, self_signed, server_env, settings_for
from tests.conftest import free_port

AUTH = (("authorization", f"Bearer {KEY}"),)
SERVICE = "inference.GRPCInferenceService"
HEALTH = "grpc.health.v1.Health"
ROUTE = f"/{SERVICE}/ModelInfer"


@dataclass
class Server:
    http: str
    channel: grpc.Channel
    stub: pb_grpc.GRPCInferenceServiceStub
    log: Path
    target: str  # the gRPC host:port


def _start(
    registry: str, directory: Path, credentials: grpc.ChannelCredentials | None = None, **extra: str
) -> Iterator[Server]:
    """The server as a process; its channel is plaintext unless `credentials` are given."""
    grpc_port = free_port()
    port, env = server_env(registry, directory, MLFLEET_GRPC_PORT=str(grpc_port))
    env.update(extra)
    log = directory / "server.log"
    with log.open("wb") as out:
        proc = process.start(["-m", "mlfleet_serving"], env, out)
        target = f"127.0.0.1:{grpc_port}"
        channel = (
            grpc.insecure_channel(target) if credentials is None else grpc.secure_channel(target, credentials)
        )
        try:
            process.wait_ready(proc, f"http://127.0.0.1:{port}/v2/health/ready")
            stub = pb_grpc.GRPCInferenceServiceStub(channel)
            yield Server(f"http://127.0.0.1:{port}", channel, stub, log, target)
        finally:
            channel.close()
            assert process.stop(proc) in (0, -signal.SIGTERM)


@pytest.fixture(scope="module")
def server(shared_registry: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _start(shared_registry, tmp_path_factory.mktemp("grpc"))


def _tensor_request(rows: list[list[float]], **fields: Any) -> pb.ModelInferRequest:
    flat = [v for row in rows for v in row]
    tensor = pb.ModelInferRequest.InferInputTensor(
        name="input-0",
        datatype="FP64",
        shape=[len(rows), len(rows[0])],
        contents=pb.InferTensorContents(fp64_contents=flat),
    )
    return pb.ModelInferRequest(model_name=MODEL, inputs=[tensor], **fields)


def _rest(server: Server, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        server.http + path, data=data, headers={"X-API-Key": KEY, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _rest_infer(server: Server, rows: list[list[float]], outputs: list[str]) -> tuple[int, dict[str, Any]]:
    body = {
        "inputs": [{"name": "input-0", "shape": [len(rows), len(rows[0])], "datatype": "FP64", "data": rows}],
        "outputs": [{"name": name} for name in outputs],
    }
    return _rest(server, f"/v2/models/{MODEL}/infer", body)


def _rows(data: tuple[np.ndarray, np.ndarray, list[str]], n: int) -> list[list[float]]:
    return data[0][:n].tolist()


def test_infer_equals_rest_for_the_same_rows(server: Server, data: Any) -> None:
    rows = _rows(data, 8)
    outputs = ["predict", "probabilities"]
    status, rest = _rest_infer(server, rows, outputs)
    assert status == 200
    request = _tensor_request(
        rows, outputs=[pb.ModelInferRequest.InferRequestedOutputTensor(name=n) for n in outputs]
    )
    answer = server.stub.ModelInfer(request, metadata=AUTH, timeout=10)
    assert (answer.model_name, answer.model_version) == (rest["model_name"], rest["model_version"])
    by_name = {o.name: o for o in answer.outputs}
    for expected in rest["outputs"]:
        got = by_name[expected["name"]]
        assert got.datatype == expected["datatype"]
        assert list(got.shape) == expected["shape"]
        values = got.contents.int64_contents if got.datatype == "INT64" else got.contents.fp64_contents
        assert list(values) == expected["data"]
    classes = json.loads(by_name["probabilities"].parameters["classes"].string_param)
    assert classes == rest["outputs"][1]["parameters"]["classes"]


def test_raw_fp32_input_gets_raw_output_with_the_same_predictions(server: Server, data: Any) -> None:
    rows = _rows(data, 4)
    plain = server.stub.ModelInfer(_tensor_request(rows), metadata=AUTH, timeout=10)
    tensor = pb.ModelInferRequest.InferInputTensor(name="input-0", datatype="FP32", shape=[4, len(rows[0])])
    raw = np.asarray(rows, dtype="<f4").tobytes()
    request = pb.ModelInferRequest(model_name=MODEL, inputs=[tensor], raw_input_contents=[raw])
    answer = server.stub.ModelInfer(request, metadata=AUTH, timeout=10)
    assert np.frombuffer(answer.raw_output_contents[0], dtype="<i8").tolist() == list(
        plain.outputs[0].contents.int64_contents
    )


def test_no_credentials_is_unauthenticated_with_rests_message(server: Server) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        server.stub.ModelInfer(_tensor_request([VALID_ROW]), timeout=10)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    request = urllib.request.Request(server.http + f"/v2/models/{MODEL}/infer", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as rest:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.details() == json.loads(rest.value.read())["error"]["message"]
    with pytest.raises(grpc.RpcError) as wrong:
        server.stub.ModelInfer(_tensor_request([VALID_ROW]), metadata=(("x-api-key", "nope"),), timeout=10)
    assert wrong.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_invalid_input_is_invalid_argument_with_rests_message(server: Server) -> None:
    short = VALID_ROW[:-1]  # 29 features
    with pytest.raises(grpc.RpcError) as caught:
        server.stub.ModelInfer(_tensor_request([short]), metadata=AUTH, timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert dict(caught.value.trailing_metadata())["error-code"] == "invalid_input"
    status, rest = _rest(
        server,
        f"/v2/models/{MODEL}/infer",
        {"inputs": [{"name": "x", "shape": [1, len(short)], "datatype": "FP64", "data": short}]},
    )
    assert status == 422
    assert caught.value.details() == rest["error"]["message"]


def test_non_finite_values_are_invalid_argument(server: Server) -> None:
    # JSON cannot carry NaN; a protobuf double can, and it is refused like REST's out-of-range values.
    with pytest.raises(grpc.RpcError) as caught:
        server.stub.ModelInfer(_tensor_request([[*VALID_ROW[:-1], float("nan")]]), metadata=AUTH, timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not a finite number" in caught.value.details()


def test_unknown_model_is_not_found(server: Server) -> None:
    request = _tensor_request([VALID_ROW])
    request.model_name = "other"
    with pytest.raises(grpc.RpcError) as caught:
        server.stub.ModelInfer(request, metadata=AUTH, timeout=10)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert "is not served here" in caught.value.details()


def _count(server: Server, route: str, status: str) -> float:
    with urllib.request.urlopen(server.http + "/metrics", timeout=10) as response:
        text = response.read().decode()
    pattern = (
        rf'^mlfleet_requests_total\{{[^}}]*route="{re.escape(route)}"[^}}]*status="{status}"[^}}]*\}} (\S+)$'
    )
    return sum(float(v) for v in re.findall(pattern, text, re.M))


def test_each_rpc_is_counted_once(server: Server) -> None:
    before_ok, before_refused = _count(server, ROUTE, "200"), _count(server, ROUTE, "401")
    server.stub.ModelInfer(_tensor_request([VALID_ROW]), metadata=AUTH, timeout=10)
    with pytest.raises(grpc.RpcError):
        server.stub.ModelInfer(_tensor_request([VALID_ROW]), timeout=10)
    assert _count(server, ROUTE, "200") == before_ok + 1
    assert _count(server, ROUTE, "401") == before_refused + 1


def test_readiness_and_health(server: Server) -> None:
    stub = server.stub
    assert stub.ServerLive(pb.ServerLiveRequest(), timeout=10).live
    assert stub.ServerReady(pb.ServerReadyRequest(), timeout=10).ready
    assert stub.ModelReady(pb.ModelReadyRequest(name=MODEL), timeout=10).ready
    with pytest.raises(grpc.RpcError) as caught:
        stub.ModelReady(pb.ModelReadyRequest(name="other"), timeout=10)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    health = health_pb2_grpc.HealthStub(server.channel)
    for service in ("", "inference.GRPCInferenceService"):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.RpcError) as unknown:
        health.Check(health_pb2.HealthCheckRequest(service="nope"), timeout=10)
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


def test_health_rpcs_are_counted_as_rests_health_endpoints(server: Server) -> None:
    """REST counts GET /v2/health/ready in mlfleet_requests_total (docs/metrics.md); so is each gRPC
    health and readiness call, by method, with REST's status (404 for an unknown name)."""
    health = health_pb2_grpc.HealthStub(server.channel)
    stub = server.stub
    calls: dict[tuple[str, str], Any] = {
        ("/v2/health/ready", "200"): lambda: urllib.request.urlopen(server.http + "/v2/health/ready").close(),
        (f"/{SERVICE}/ServerLive", "200"): lambda: stub.ServerLive(pb.ServerLiveRequest()),
        (f"/{SERVICE}/ServerReady", "200"): lambda: stub.ServerReady(pb.ServerReadyRequest()),
        (f"/{SERVICE}/ModelReady", "200"): lambda: stub.ModelReady(pb.ModelReadyRequest(name=MODEL)),
        (f"/{SERVICE}/ModelReady", "404"): lambda: stub.ModelReady(pb.ModelReadyRequest(name="x")),
        (f"/{HEALTH}/Check", "200"): lambda: health.Check(health_pb2.HealthCheckRequest()),
        (f"/{HEALTH}/Check", "404"): lambda: health.Check(health_pb2.HealthCheckRequest(service="x")),
    }
    for (route, status), call in calls.items():
        before = _count(server, route, status)
        try:
            call()
        except grpc.RpcError as exc:
            assert status == "404" and exc.code() == grpc.StatusCode.NOT_FOUND
        assert _count(server, route, status) == before + 1, (route, status)


def test_metadata_needs_credentials_and_describes_the_model(server: Server) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        server.stub.ModelMetadata(pb.ModelMetadataRequest(name=MODEL), timeout=10)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    answer = server.stub.ModelMetadata(pb.ModelMetadataRequest(name=MODEL), metadata=AUTH, timeout=10)
    status, rest = _rest(server, f"/v2/models/{MODEL}")
    assert status == 200
    assert (answer.name, list(answer.versions), answer.platform) == (
        rest["name"],
        rest["versions"],
        rest["platform"],
    )
    assert [list(t.shape) for t in answer.inputs] == [t["shape"] for t in rest["inputs"]]


def test_rate_limit_is_resource_exhausted_with_retry_after(shared_registry: str, tmp_path: Path) -> None:
    for server in _start(
        shared_registry, tmp_path, MLFLEET_RATE_LIMIT_PER_SECOND="0.5", MLFLEET_RATE_LIMIT_BURST="2"
    ):
        codes = []
        for _ in range(3):
            try:
                server.stub.ModelInfer(_tensor_request([VALID_ROW]), metadata=AUTH, timeout=10)
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as exc:
                codes.append(exc.code())
                trailers = dict(exc.trailing_metadata())
                assert trailers["retry-after"] in exc.details()
        assert codes == [grpc.StatusCode.OK, grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED]


def test_grpc_port_in_use_is_a_one_line_config_error(shared_registry: str) -> None:
    """The real bind on a taken port: a ConfigError naming the setting (`mlfleet serve` prints it as
    one line and exits 2), not a traceback."""
    import asyncio
    import socket

    from mlfleet_serving.app import create_app
    from mlfleet_serving.auth import ConfigError
    from mlfleet_serving.grpc.endpoint import GrpcEndpoint

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = settings_for(shared_registry, auth_enabled=False, grpc_port=taken.getsockname()[1])
        app = create_app(settings, poll=False)
        endpoint = GrpcEndpoint(app.state.serving, app.state.observer)
        expected = r"cannot listen for gRPC on 127\.0\.0\.1:\d+ .*MLFLEET_GRPC_PORT"
        with pytest.raises(ConfigError, match=expected):
            asyncio.run(endpoint.start())


def test_sigterm_drains_the_calls_in_flight(shared_registry: str, tmp_path: Path, data: Any) -> None:
    """Calls the server has received when SIGTERM arrives are answered (the REST drain's promise)."""
    grpc_port = free_port()
    port, env = server_env(shared_registry, tmp_path, MLFLEET_GRPC_PORT=str(grpc_port))
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = process.start(["-m", "mlfleet_serving"], env, out)
        try:
            process.wait_ready(proc, f"http://127.0.0.1:{port}/v2/health/ready")
            with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
                stub = pb_grpc.GRPCInferenceServiceStub(channel)
                request = _tensor_request(_rows(data, 64))
                calls = [stub.ModelInfer.future(request, metadata=AUTH, timeout=30) for _ in range(40)]
                calls[0].result()  # the server is answering; the other 39 were sent before
                proc.send_signal(signal.SIGTERM)
                codes = [call.code() for call in calls]
            assert codes == [grpc.StatusCode.OK] * len(calls)
            assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
        finally:
            process.stop(proc)
    assert "Application shutdown complete" in log.read_text()


def test_grpc_tls_of_its_own_while_rest_stays_plaintext(shared_registry: str, tmp_path: Path) -> None:
    """MLFLEET_GRPC_TLS_*: a client trusting the self-signed certificate is answered over TLS, a
    plaintext client on that port is not, and REST (probes, the HTTP backend) stays plain HTTP."""
    cert, key = self_signed(tmp_path)
    trusted = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
    for server in _start(
        shared_registry,
        tmp_path,
        trusted,
        MLFLEET_GRPC_TLS_CERTFILE=str(cert),
        MLFLEET_GRPC_TLS_KEYFILE=str(key),
    ):
        answer = server.stub.ModelInfer(_tensor_request([VALID_ROW]), metadata=AUTH, timeout=10)
        assert list(answer.outputs[0].contents.int64_contents) in ([0], [1])
        health = health_pb2_grpc.HealthStub(server.channel)
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=10).status == (
            health_pb2.HealthCheckResponse.SERVING
        )
        with grpc.insecure_channel(server.target) as plain:
            with pytest.raises(grpc.RpcError) as refused:
                pb_grpc.GRPCInferenceServiceStub(plain).ServerLive(pb.ServerLiveRequest(), timeout=5)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        with urllib.request.urlopen(server.http + "/v2/health/ready", timeout=10) as response:
            assert server.http.startswith("http://") and response.status == 200


def test_grpc_tls_files_that_are_not_pem_are_a_one_line_config_error(
    shared_registry: str, tmp_path: Path
) -> None:
    import asyncio

    from mlfleet_serving.app import create_app
    from mlfleet_serving.auth import ConfigError
    from mlfleet_serving.grpc.endpoint import GrpcEndpoint

    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    for cert, key, expected in (
        (junk, junk, "MLFLEET_GRPC_TLS_CERTFILE/KEYFILE .* not a PEM certificate"),
        (tmp_path / "missing.crt", junk, "cannot read the gRPC TLS certificate or key .*missing.crt"),
    ):
        settings = settings_for(
            shared_registry,
            auth_enabled=False,
            grpc_port=0,
            grpc_tls_certfile=str(cert),
            grpc_tls_keyfile=str(key),
        )
        app = create_app(settings, poll=False)
        with pytest.raises(ConfigError, match=expected):
            asyncio.run(GrpcEndpoint(app.state.serving, app.state.observer).start())


def test_only_one_of_the_grpc_tls_pair_is_a_settings_error(shared_registry: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="MLFLEET_GRPC_TLS_CERTFILE and MLFLEET_GRPC_TLS_KEYFILE"):
        settings_for(shared_registry, grpc_tls_certfile=str(tmp_path / "tls.crt"))
