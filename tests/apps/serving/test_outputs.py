"""Class probabilities on request (both runtimes, checked against scikit-learn) and per-row
outcomes under range_policy=reject on /predict and v2 alike (a bad row gets its own error, unless
the caller asks for row_errors "fail")."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from mlfleet_registry import open_registry
from mlfleet_serving.runtime import PROBA_ATOL, RuntimeError_, build_predictor
from sklearn.linear_model import LinearRegression

from tests.apps.serving.conftest import AUTH, MODEL, VALID_ROW

BAD_ROW = [1e6, *VALID_ROW[1:]]  # mean_radius far outside its schema range
INFER = f"/v2/models/{MODEL}/infer"


def _sklearn_model(registry: str) -> Any:
    reg = open_registry(registry)
    return reg.load(MODEL, reg.resolve(MODEL, "production")).model


def _v2(rows: list[list[float]], **extra: Any) -> dict[str, Any]:
    return {"inputs": [{"name": "x", "shape": [len(rows), 30], "datatype": "FP64", "data": rows}], **extra}


@pytest.mark.parametrize("runtime", ["onnx", "sklearn"])
def test_probabilities_equal_scikit_learns_on_both_routes(
    make_client: Any, shared_registry: str, data: Any, runtime: str
) -> None:
    client = make_client(runtime=runtime)
    x = data[0][:40]
    model = _sklearn_model(shared_registry)
    expected = model.predict_proba(x)
    response = client.post(
        "/predict", json={"instances": x.tolist(), "return_probabilities": True}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["classes"] == model.classes_.tolist()
    assert np.allclose(body["probabilities"], expected, atol=PROBA_ATOL)
    assert body["predictions"] == model.predict(x).tolist()
    # v2: the probabilities tensor when asked for in `outputs`, flat row-major as v2 data is.
    outputs = [{"name": "predict"}, {"name": "probabilities"}]
    response = client.post(INFER, json=_v2(x.tolist(), outputs=outputs), headers=AUTH)
    assert response.status_code == 200, response.text
    predict, proba = response.json()["outputs"]
    assert predict["data"] == model.predict(x).tolist()
    assert proba["name"] == "probabilities" and proba["shape"] == [40, 2] and proba["datatype"] == "FP64"
    assert proba["parameters"]["classes"] == model.classes_.tolist()
    assert np.allclose(np.reshape(proba["data"], (40, 2)), expected, atol=PROBA_ATOL)
    only = client.post(INFER, json=_v2(x[:1].tolist(), outputs=[{"name": "probabilities"}]), headers=AUTH)
    assert [o["name"] for o in only.json()["outputs"]] == ["probabilities"]
    # Not asked: the responses are as before.
    assert (
        "probabilities" not in client.post("/predict", json={"instances": [VALID_ROW]}, headers=AUTH).json()
    )
    assert len(client.post(INFER, json=_v2([VALID_ROW]), headers=AUTH).json()["outputs"]) == 1


def test_onnx_probabilities_are_verified_at_load(data: Any, shared_registry: str) -> None:
    model = _sklearn_model(shared_registry)
    runtime = build_predictor(model, 30, data[0][:64], "onnx")
    assert runtime.name == "onnx" and runtime.predict_proba is not None
    # A runtime whose probabilities drift from scikit-learn's does not verify.
    from mlfleet_serving import runtime as rt

    real = rt.onnx_predictor

    def skewed(model: Any, n: int) -> Any:
        predict, proba = real(model, n)
        return predict, lambda x: (proba(x)[0], proba(x)[1] + 1e-3)

    rt.onnx_predictor = skewed  # type: ignore[assignment]
    try:
        with pytest.raises(RuntimeError_, match="probabilities differ"):
            build_predictor(model, 30, data[0][:64], "onnx")
        assert build_predictor(model, 30, data[0][:64], "auto").name == "sklearn"
    finally:
        rt.onnx_predictor = real  # type: ignore[assignment]
    regressor = LinearRegression().fit(data[0], data[1].astype(float))
    assert build_predictor(regressor, 30, data[0][:64], "auto").predict_proba is None


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/predict", {"instances": [VALID_ROW], "return_probabilities": "yes"}),
        ("/predict", {"instances": [VALID_ROW], "all_or_nothing": 1}),
        (INFER, _v2([VALID_ROW], outputs=[{"name": "proba"}])),
        (INFER, _v2([VALID_ROW], outputs=[{"name": "predict"}, {"name": "predict"}])),
        (INFER, _v2([VALID_ROW], outputs="predict")),
        (INFER, _v2([VALID_ROW], outputs=[{"name": {}}])),  # found by schemathesis: was a 500
        (INFER, _v2([VALID_ROW], parameters={"all_or_nothing": "no"})),
        ("/predict", {"instances": [VALID_ROW], "row_errors": "skip"}),
        (INFER, _v2([VALID_ROW], parameters={"row_errors": True})),
        (INFER, _v2([VALID_ROW], parameters={"row_errors": "fail", "all_or_nothing": True})),
    ],
)
def test_bad_output_options_are_422(client: TestClient, path: str, body: Any) -> None:
    response = client.post(path, json=body, headers=AUTH)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input", response.text


@pytest.mark.parametrize("runtime", ["onnx", "sklearn"])
def test_one_bad_row_does_not_fail_the_batch(make_client: Any, shared_registry: str, runtime: str) -> None:
    client = make_client(runtime=runtime)
    model = _sklearn_model(shared_registry)
    good = int(model.predict(np.array([VALID_ROW]))[0])
    rows = [VALID_ROW, BAD_ROW, VALID_ROW]
    response = client.post("/predict", json={"instances": rows, "return_probabilities": True}, headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["predictions"] == [good, None, good]
    assert body["probabilities"][1] is None and len(body["probabilities"][0]) == 2
    [error] = body["errors"]
    assert error["row"] == 1 and error["code"] == "out_of_range" and "mean_radius" in error["message"]
    assert error["details"][0]["feature"] == "mean_radius" and error["details"][0]["value"] == 1e6
    # row_errors "fail" (or the older all_or_nothing): the whole batch is refused, as before.
    for option in ({"row_errors": "fail"}, {"all_or_nothing": True}):
        response = client.post("/predict", json={"instances": rows, **option}, headers=AUTH)
        assert (
            response.status_code == 422
            and "row 1 feature 'mean_radius'" in response.json()["error"]["message"]
        )
    # Backward compatible: a single bad row, or every row bad, is still a 422; all valid has no errors.
    for bad in ([BAD_ROW], [BAD_ROW, BAD_ROW]):
        assert client.post("/predict", json={"instances": bad}, headers=AUTH).status_code == 422
    assert "errors" not in client.post("/predict", json={"instances": [VALID_ROW] * 2}, headers=AUTH).json()


def test_v2_reports_rows_by_default_and_fails_all_on_request(client: TestClient) -> None:
    rows = [BAD_ROW, VALID_ROW]
    # Default (as on /predict): the bad row is null in each output and listed in parameters.errors.
    body = _v2(rows, outputs=[{"name": "predict"}, {"name": "probabilities"}])
    response = client.post(INFER, json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    predict, proba = response.json()["outputs"]
    assert predict["shape"] == [2] and predict["data"][0] is None and predict["data"][1] in (0, 1)
    assert proba["shape"] == [2, 2] and proba["data"][:2] == [None, None] and None not in proba["data"][2:]
    assert abs(sum(proba["data"][2:]) - 1.0) <= PROBA_ATOL  # ONNX computes in float32
    [error] = response.json()["parameters"]["errors"]
    assert error["row"] == 0 and error["code"] == "out_of_range"
    # All or nothing on request: the whole request is a 422 naming the row.
    for parameters in ({"row_errors": "fail"}, {"all_or_nothing": True}):
        response = client.post(INFER, json=_v2(rows, parameters=parameters), headers=AUTH)
        assert response.status_code == 422 and "row 0 feature" in response.json()["error"]["message"]
    # Explicit "report" is the default.
    response = client.post(INFER, json=_v2(rows, parameters={"row_errors": "report"}), headers=AUTH)
    assert response.status_code == 200 and response.json()["outputs"][0]["data"][0] is None


def test_metrics_count_only_the_scored_rows(client: TestClient) -> None:
    before = _batch_rows(client)
    client.post("/predict", json={"instances": [VALID_ROW, BAD_ROW, BAD_ROW]}, headers=AUTH)
    assert _batch_rows(client) - before == 1


def _batch_rows(client: TestClient) -> float:
    text = client.get("/metrics").text
    lines = [line for line in text.splitlines() if line.startswith("mlfleet_batch_size_sum")]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines)


def test_openapi_and_v2_metadata_describe_the_options(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    predict = schema["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert predict["properties"]["return_probabilities"]["type"] == "boolean"
    assert predict["properties"]["row_errors"]["default"] == "report"
    v2 = schema["paths"][INFER.replace(MODEL, "{model_name}")]["post"]["requestBody"]["content"]
    v2_schema = v2["application/json"]["schema"]
    assert v2_schema["properties"]["outputs"]["items"]["properties"]["name"]["enum"] == [
        "predict",
        "probabilities",
    ]
    assert v2_schema["properties"]["parameters"]["properties"]["row_errors"]["default"] == "report"
    assert "errors" in schema["components"]["schemas"]["PredictResponse"]["properties"]
    outputs = client.get(f"/v2/models/{MODEL}", headers=AUTH).json()["outputs"]
    assert outputs[1] == {"name": "probabilities", "datatype": "FP64", "shape": [-1, 2]}
