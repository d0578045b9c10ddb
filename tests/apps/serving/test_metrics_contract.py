"""The app's real Prometheus registry exposes exactly the metric names in docs/metrics.md."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from mlfleet_serving.metrics import metric_names

from tests.conftest import REPO_ROOT


def documented_names() -> set[str]:
    text = (REPO_ROOT / "docs" / "metrics.md").read_text()
    return set(re.findall(r"^\| `(mlfleet_[a-z_]+)` \|", text, re.M))


def test_registry_exposes_exactly_the_documented_names(client: TestClient) -> None:
    documented = documented_names()
    assert len(documented) == 15
    assert metric_names(client.app.state.serving.metrics.registry) == documented


def test_scrape_has_no_undocumented_families(client: TestClient) -> None:
    client.post("/predict", json={"instances": [[0] * 30]})  # a 401 still counts as a request
    families = set(re.findall(r"^# TYPE (\S+) ", client.get("/metrics").text, re.M))
    assert families == documented_names()


def test_request_metrics_use_route_templates_and_model_labels(client: TestClient, data) -> None:
    client.post(
        "/v2/models/breast-cancer/infer",
        json={"inputs": [{"name": "x", "shape": [1, 30], "datatype": "FP64", "data": data[0][0].tolist()}]},
        headers={"X-API-Key": "test-key-" + "a" * 40},
    )
    text = client.get("/metrics").text
    assert (
        'mlfleet_requests_total{model="breast-cancer",route="/v2/models/{model_name}/infer",'
        'status="200",variant="primary",version="v0001"} 1.0' in text
    )
    assert 'mlfleet_batch_size_count{model="breast-cancer",variant="primary"} 1.0' in text
    assert (
        'mlfleet_predictions_total{class="0",model="breast-cancer",variant="primary",version="v0001"} 1.0'
        in text
    )
    assert 'mlfleet_model_ready{model="breast-cancer",variant="primary"} 1.0' in text
    assert "/v2/models/breast-cancer/infer" not in text  # never a raw path


def test_metadata_and_error_requests_carry_the_model_label(client: TestClient) -> None:
    auth = {"X-API-Key": "test-key-" + "a" * 40}
    assert client.get("/v2/models/breast-cancer", headers=auth).status_code == 200
    assert client.get("/v2/models/breast-cancer/ready").status_code == 200
    assert client.post("/predict", json={"instances": [[0] * 30]}).status_code == 401
    assert client.get("/v2/models/someone-else", headers=auth).status_code == 404
    text = client.get("/metrics").text
    assert (
        'mlfleet_requests_total{model="breast-cancer",route="/v2/models/{model_name}",'
        'status="200",variant="primary",version="v0001"} 1.0' in text
    )
    assert (
        'mlfleet_requests_total{model="breast-cancer",route="/v2/models/{model_name}/ready",'
        'status="200",variant="primary",version="v0001"} 1.0' in text
    )
    assert 'mlfleet_requests_total{model="breast-cancer",route="/predict",status="401"' in text
    # A name the server does not serve never becomes a label value.
    assert "someone-else" not in text
    assert 'mlfleet_requests_total{model="",route="/v2/models/{model_name}",status="404"' in text
