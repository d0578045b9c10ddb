"""The inference fast path (plain ASGI in front of FastAPI) answers exactly as the documented
FastAPI routes do: same bodies, status codes, headers, error shape and metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from mlfleet_serving.fastpath import INFER, INFER_VERSION, PREDICT, match

from tests.apps.serving.conftest import AUTH, VALID_ROW


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/predict", (PREDICT, None, None)),
        ("/v2/models/m/infer", (INFER, "m", None)),
        ("/v2/models/m/versions/v0001/infer", (INFER_VERSION, "m", "v0001")),
        ("/predict/", None),
        ("/v2/models//infer", None),
        ("/v2/models/m/versions//infer", None),
        ("/v2/models/m/other/v/infer", None),
        ("/v2/models/m/x/infer", None),
        ("/v2/models/m", None),
        ("/v2/health/ready", None),
    ],
)
def test_match(path: str, expected: Any) -> None:
    assert match(path) == expected


V2_BODY = {"inputs": [{"name": "x", "shape": [1, 30], "datatype": "FP64", "data": VALID_ROW}]}
CASES: list[tuple[str, Any, dict[str, str]]] = [
    ("/predict", {"instances": [VALID_ROW, VALID_ROW]}, AUTH),
    ("/v2/models/breast-cancer/infer", {**V2_BODY, "id": "req-7"}, AUTH),
    ("/v2/models/breast-cancer/versions/v0001/infer", V2_BODY, AUTH),
    ("/predict", {"instances": [[1, 2]]}, AUTH),  # 422
    ("/predict", {"instances": [VALID_ROW]}, {}),  # 401
    ("/v2/models/other/infer", V2_BODY, AUTH),  # 404
    ("/v2/models/breast-cancer/versions/v9/infer", V2_BODY, AUTH),  # 404
]


def test_fast_path_and_framework_routes_answer_alike(make_client: Callable[..., TestClient]) -> None:
    fast = make_client()
    framework = make_client()
    assert fast.app.fast_path is not None
    framework.app.fast_path = None  # every request through FastAPI's stack and documented routes
    for path, body, headers in CASES:
        sent = {**headers, "X-Request-ID": "same-id"}
        a = fast.post(path, json=body, headers=sent)
        b = framework.post(path, json=body, headers=sent)
        assert (a.status_code, a.json()) == (b.status_code, b.json()), path
        for header in ("content-type", "x-request-id", "x-model-version", "x-model-variant"):
            assert a.headers.get(header) == b.headers.get(header), (path, header)
        assert a.headers.get_list("x-request-id") == ["same-id"]

    # Both record the same request metrics under the same route templates and labels.
    def requests_total(client: TestClient) -> list[str]:
        lines = client.get("/metrics").text.splitlines()
        return sorted(line for line in lines if line.startswith("mlfleet_requests_total{"))

    assert requests_total(fast) == requests_total(framework)
    assert any(
        'route="/v2/models/{model_name}/versions/{model_version}/infer"' in x for x in requests_total(fast)
    )
