"""Input validation: every malformed body is a 4xx in the one error shape, never a 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.apps.serving.conftest import AUTH, MODEL, VALID_ROW

# Malformed bodies and words their 422 must contain; test_json_matrix.py runs them through both
# parsing paths too.
MALFORMED_INSTANCES: list[tuple[Any, str]] = [
    ({"instances": [VALID_ROW[:29]]}, "has 29 features; the model expects 30"),
    ({"instances": [VALID_ROW, VALID_ROW[:5]]}, "instances[1] has 5 features"),
    ({"instances": [[*VALID_ROW[:29], "x"]]}, "instances[0][29] must be a number"),
    ({"instances": [[*VALID_ROW[:29], None]]}, "instances[0][29] must be a number"),
    ({"instances": [[*VALID_ROW[:29], True]]}, "must be a number"),
    ({"instances": []}, "empty"),
    ({"instances": "rows"}, "must be a list of rows"),
    ({"instances": [5]}, "must be a list of 30 numbers"),
    ({"rows": [VALID_ROW]}, '{"instances"'),
    ([VALID_ROW], '{"instances"'),
    ({"instances": [{"mean_radius": 1.0}]}, "does not match the feature schema"),
    # Batches of 16+ rows take the one-pass matrix build: rows of 29 and 31 values (the right
    # total) must not be read across the row boundary, nor a string, null, bool or nested list.
    (
        {"instances": [VALID_ROW] * 3 + [VALID_ROW[:29], [*VALID_ROW, 1.0]] + [VALID_ROW] * 15},
        "instances[3] has 29",
    ),
    ({"instances": [VALID_ROW] * 19 + [[*VALID_ROW[:29], "x"]]}, "instances[19][29] must be a number"),
    ({"instances": [VALID_ROW] * 19 + [[*VALID_ROW[:29], None]]}, "instances[19][29] must be a number"),
    ({"instances": [VALID_ROW] * 19 + [[*VALID_ROW[:29], False]]}, "instances[19][29] must be a number"),
    ({"instances": [VALID_ROW] * 19 + [[*VALID_ROW[:29], [1.0]]]}, "instances[19][29] must be a number"),
]

MALFORMED_TENSORS: list[tuple[dict[str, Any], str]] = [
    ({"name": "x", "shape": [1, 29], "datatype": "FP64", "data": VALID_ROW[:29]}, "expects 30 features"),
    ({"name": "x", "shape": [2, 30], "datatype": "FP64", "data": VALID_ROW}, "needs 60"),
    ({"name": "x", "shape": [1, 30], "datatype": "BYTES", "data": VALID_ROW}, "not numeric"),
    ({"name": "x", "shape": [1, 30], "datatype": {}, "data": VALID_ROW}, "not numeric"),  # was a 500
    ({"name": "x", "shape": [30], "datatype": "FP64", "data": VALID_ROW}, "shape must be [rows, 30]"),
    ({"name": "x", "shape": [0, 30], "datatype": "FP64", "data": []}, "at least 1 row"),
    ({"name": "x", "shape": [1, 30], "datatype": "FP64", "data": "abc"}, "must be a list"),
]


def _post(client: TestClient, body: Any) -> Any:
    return client.post("/predict", json=body, headers=AUTH)


@pytest.mark.parametrize(("body", "needle"), MALFORMED_INSTANCES)
def test_malformed_instances_are_422_with_the_place(client: TestClient, body: Any, needle: str) -> None:
    response = _post(client, body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and needle in error["message"]


def test_invalid_json_is_400(client: TestClient) -> None:
    response = client.post(
        "/predict", content=b"{not json", headers={**AUTH, "content-type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"1e400"])
def test_non_finite_values_are_rejected(client: TestClient, literal: bytes) -> None:
    row = b",".join([literal] + [str(v).encode() for v in VALID_ROW[1:]])
    response = client.post(
        "/predict",
        content=b'{"instances": [[' + row + b"]]}",
        headers={**AUTH, "content-type": "application/json"},
    )
    assert response.status_code in (400, 422), response.text


def test_out_of_range_rejected_by_default(client: TestClient) -> None:
    row = [1e6, *VALID_ROW[1:]]
    response = _post(client, {"instances": [row]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert "outside the schema range" in error["message"] and error["details"][0]["feature"] == "mean_radius"


def test_out_of_range_clip_policy_scores_the_clipped_row(make_client) -> None:
    client = make_client(range_policy="clip")
    high = client.post("/predict", json={"instances": [[1e6, *VALID_ROW[1:]]]}, headers=AUTH)
    assert high.status_code == 200
    max_radius = client.get(f"/v2/models/{MODEL}", headers=AUTH).json()["parameters"]["feature_schema"][0][
        "max"
    ]
    clipped = client.post("/predict", json={"instances": [[max_radius, *VALID_ROW[1:]]]}, headers=AUTH)
    assert high.json()["predictions"] == clipped.json()["predictions"]


def test_out_of_range_flag_policy_serves_and_flags(make_client) -> None:
    client = make_client(range_policy="flag")
    response = client.post("/predict", json={"instances": [VALID_ROW, [-5.0, *VALID_ROW[1:]]]}, headers=AUTH)
    assert response.status_code == 200
    assert response.json()["flags"] == [
        {
            "row": 1,
            "feature": "mean_radius",
            "value": -5.0,
            "min": pytest.approx(6.981),
            "max": pytest.approx(28.11),
        }
    ]


@pytest.mark.parametrize(("tensor", "needle"), MALFORMED_TENSORS)
def test_v2_malformed_tensors_are_422(client: TestClient, tensor: dict[str, Any], needle: str) -> None:
    response = client.post(f"/v2/models/{MODEL}/infer", json={"inputs": [tensor]}, headers=AUTH)
    assert response.status_code == 422, response.text
    assert needle in response.json()["error"]["message"]


def test_v2_needs_exactly_one_input(client: TestClient) -> None:
    tensor = {"name": "x", "shape": [1, 30], "datatype": "FP64", "data": VALID_ROW}
    for inputs in ([], [tensor, tensor]):
        response = client.post(f"/v2/models/{MODEL}/infer", json={"inputs": inputs}, headers=AUTH)
        assert response.status_code == 422


@pytest.mark.parametrize("runtime", ["sklearn", "onnx"])
@pytest.mark.parametrize("policy", ["flag", "clip", "reject"])
def test_values_beyond_float32_are_422_with_every_runtime_and_policy(make_client, runtime, policy) -> None:
    """Regression: 1e39 passed the `flag` policy and made scikit-learn's float32 conversion raise (500)."""
    client = make_client(runtime=runtime, range_policy=policy)
    for value in (1e39, -3.5e38):
        response = client.post("/predict", json={"instances": [[value, *VALID_ROW[1:]]]}, headers=AUTH)
        assert response.status_code == 422, response.text
        assert "float32" in response.json()["error"]["message"]
    # The largest float32 itself is a value (clipped, flagged or rejected as out of range).
    response = client.post("/predict", json={"instances": [[3.4e38, *VALID_ROW[1:]]]}, headers=AUTH)
    assert response.status_code == (422 if policy == "reject" else 200), response.text


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx"]
)
def test_a_body_that_is_not_declared_json_is_415(client: TestClient, content_type: str | None) -> None:
    body = json.dumps({"instances": [VALID_ROW]}).encode()
    headers = {**AUTH, **({"content-type": content_type} if content_type else {})}
    for path in ("/predict", f"/v2/models/{MODEL}/infer"):
        response = client.post(path, content=body, headers=headers)
        assert response.status_code == 415, (path, response.text)
        assert response.json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_content_types_are_accepted(client: TestClient, content_type: str) -> None:
    body = json.dumps({"instances": [VALID_ROW]}).encode()
    response = client.post("/predict", content=body, headers={**AUTH, "content-type": content_type})
    assert response.status_code == 200, response.text
