"""API contract: /predict and the Open Inference Protocol v2 endpoints."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient
from mlfleet_registry import open_registry

from tests.apps.serving.conftest import AUTH, MODEL, VALID_ROW


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


def test_openapi_bodies_admit_what_the_server_accepts_and_not_what_it_rejects(make_client) -> None:
    """Regression: the documented bodies admitted rows of any length, mixed row kinds, unknown
    feature keys, out-of-range values and any batch size, all of which the server rejects."""
    from jsonschema import Draft202012Validator

    client = make_client(max_batch_rows=4)
    paths = client.get("/openapi.json").json()["paths"]

    def validator(path: str) -> Draft202012Validator:
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        return Draft202012Validator(body)

    predict, infer = validator("/predict"), validator("/v2/models/{model_name}/infer")
    names = [
        f["name"]
        for f in client.get(f"/v2/models/{MODEL}", headers=AUTH).json()["parameters"]["feature_schema"]
    ]
    as_object = dict(zip(names, VALID_ROW, strict=True))
    accepted = [{"instances": [VALID_ROW]}, {"instances": [as_object, as_object]}]
    rejected = [
        {"instances": []},
        {"instances": [VALID_ROW[:29]]},
        {"instances": [VALID_ROW, as_object]},
        {"instances": [{**as_object, "extra": 1.0}]},
        {"instances": [{k: v for k, v in as_object.items() if k != names[0]}]},
        {"instances": [[1e6, *VALID_ROW[1:]]]},  # outside the schema range (policy reject)
        {"instances": [[1e39, *VALID_ROW[1:]]]},
        {"instances": [VALID_ROW] * 5},  # max_batch_rows
        {"rows": [VALID_ROW]},
    ]
    for body in accepted:
        assert predict.is_valid(body), body
        assert client.post("/predict", json=body, headers=AUTH).status_code == 200
    for body in rejected:
        assert not predict.is_valid(body), body
        assert client.post("/predict", json=body, headers=AUTH).status_code in (413, 422), body
    tensor = {"name": "x", "shape": [1, 30], "datatype": "FP64", "data": [VALID_ROW]}
    assert infer.is_valid({"inputs": [tensor]})
    assert (
        client.post(f"/v2/models/{MODEL}/infer", json={"inputs": [tensor]}, headers=AUTH).status_code == 200
    )
    for bad in ({"shape": [1, 29]}, {"shape": [5, 30]}, {"datatype": "BYTES"}, {"data": [VALID_ROW[:29]]}):
        body = {"inputs": [{**tensor, **bad}]}
        assert not infer.is_valid(body), bad
        assert client.post(f"/v2/models/{MODEL}/infer", json=body, headers=AUTH).status_code in (413, 422)


def test_v2_shape_given_as_integral_floats_is_accepted(client: TestClient) -> None:
    """2.0 is an integer to JSON Schema; the server took only 2 (a schema-valid body got a 422)."""
    tensor = {"name": "x", "shape": [1.0, 30.0], "datatype": "FP64", "data": VALID_ROW}
    response = client.post(f"/v2/models/{MODEL}/infer", json={"inputs": [tensor]}, headers=AUTH)
    assert response.status_code == 200, response.text
