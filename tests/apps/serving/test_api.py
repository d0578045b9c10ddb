"""API contract: /predict and the Open Inference Protocol v2 endpoints."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient
from mlfleet_registry import open_registry

from tests.apps.serving.conftest import AUTH, MODEL


def sklearn_predict(registry: str, x: np.ndarray) -> list[int]:
    reg = open_registry(registry)
    return reg.load(MODEL, reg.resolve(MODEL, "production")).model.predict(x).tolist()


def test_predict_equals_scikit_learn(client: TestClient, shared_registry: str, data) -> None:
    x = data[0][:64]
    response = client.post("/predict", json={"instances": x.tolist()}, headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["predictions"] == sklearn_predict(shared_registry, x)
    assert body["model"] == MODEL and body["version"] == "v0001" and body["variant"] == "primary"
    assert response.headers["x-model-version"] == "v0001"
    assert response.headers["x-request-id"]


def test_predict_accepts_rows_keyed_by_feature(client: TestClient, data) -> None:
    x, _, names = data
    rows = [dict(zip(names, row, strict=True)) for row in x[:3].tolist()]
    by_name = client.post("/predict", json={"instances": rows}, headers=AUTH).json()
    by_position = client.post("/predict", json={"instances": x[:3].tolist()}, headers=AUTH).json()
    assert by_name["predictions"] == by_position["predictions"]


def test_v2_health_and_server_metadata(client: TestClient) -> None:
    assert client.get("/v2/health/live").json() == {"live": True}
    assert client.get("/v2/health/ready").json() == {"ready": True}
    meta = client.get("/v2").json()
    assert meta["name"] == "mlfleet-serving" and "version" in meta and meta["extensions"] == []


def test_v2_model_metadata_exposes_feature_schema(client: TestClient, data) -> None:
    meta = client.get(f"/v2/models/{MODEL}", headers=AUTH).json()
    assert meta["name"] == MODEL and meta["versions"] == ["v0001"]
    assert meta["inputs"] == [{"name": "input-0", "datatype": "FP64", "shape": [-1, 30]}]
    assert meta["outputs"][0]["datatype"] == "INT64"
    schema = meta["parameters"]["feature_schema"]
    assert [f["name"] for f in schema] == data[2]
    assert schema[0]["min"] == float(data[0][:, 0].min())
    assert client.get(f"/v2/models/{MODEL}/versions/v0001", headers=AUTH).status_code == 200


def test_v2_model_ready(client: TestClient) -> None:
    assert client.get(f"/v2/models/{MODEL}/ready").json() == {"name": MODEL, "ready": True}
    assert client.get(f"/v2/models/{MODEL}/versions/v0001/ready").status_code == 200
    assert client.get(f"/v2/models/{MODEL}/versions/v0099/ready").status_code == 404


def test_v2_infer_flat_and_nested_data(client: TestClient, shared_registry: str, data) -> None:
    x = data[0][:5]
    expected = sklearn_predict(shared_registry, x)
    for payload in (x.ravel().tolist(), x.tolist()):
        body = {
            "id": "req-1",
            "inputs": [{"name": "input-0", "shape": [5, 30], "datatype": "FP64", "data": payload}],
        }
        response = client.post(f"/v2/models/{MODEL}/infer", json=body, headers=AUTH)
        assert response.status_code == 200, response.text
        out = response.json()
        assert out["model_name"] == MODEL and out["model_version"] == "v0001" and out["id"] == "req-1"
        assert out["outputs"] == [{"name": "predict", "shape": [5], "datatype": "INT64", "data": expected}]
    pinned = client.post(f"/v2/models/{MODEL}/versions/v0001/infer", json=body, headers=AUTH)
    assert pinned.status_code == 200


def test_unknown_model_and_version_are_404_in_the_error_shape(client: TestClient, data) -> None:
    body = {"inputs": [{"name": "x", "shape": [1, 30], "datatype": "FP64", "data": data[0][0].tolist()}]}
    for path in ("/v2/models/nope/infer", f"/v2/models/{MODEL}/versions/v0042/infer"):
        response = client.post(path, json=body, headers=AUTH)
        assert response.status_code == 404
        error = response.json()
        assert set(error) == {"error", "request_id"} and error["error"]["code"].endswith("not_found")
    assert client.get("/no/such/route").json()["error"]["code"] == "not_found"


def test_not_ready_until_a_model_is_loaded(make_client, tmp_path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    client = make_client(registry=str(empty))
    assert client.get("/v2/health/ready").status_code == 503
    response = client.post("/predict", json={"instances": [[0.0] * 30]}, headers=AUTH)
    assert response.status_code == 503 and response.json()["error"]["code"] == "not_ready"
    metrics = client.get("/metrics").text
    assert (
        'mlfleet_model_load_failures_total{alias="production",model="breast-cancer",reason="not_found"} 1.0'
        in metrics
    )


def test_request_id_is_propagated(client: TestClient) -> None:
    response = client.get("/v2/health/live", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


def test_openapi_documents_every_route_and_the_error_shape(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in (
        "/predict",
        "/v2/models/{model_name}/infer",
        "/v2/models/{model_name}/versions/{model_version}/infer",
        "/v2/health/live",
        "/v2/health/ready",
        "/v2/models/{model_name}",
        "/v2/models/{model_name}/ready",
    ):
        assert path in schema["paths"], path
    predict = schema["paths"]["/predict"]["post"]
    assert "instances" in predict["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert {"401", "422", "429"} <= set(predict["responses"])
    assert "ApiKey" in schema["components"]["securitySchemes"]
