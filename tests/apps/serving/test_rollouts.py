"""Canary split (weighted, sticky by routing key) and shadow mode."""

from __future__ import annotations

from fastapi.testclient import TestClient
from mlfleet_registry import open_registry
from mlfleet_serving.reference_model import publish_reference_model, reference_data
from sklearn.dummy import DummyClassifier

from tests.apps.serving.conftest import AUTH, MODEL, VALID_ROW


def _add_candidate(registry: str, alias: str) -> str:
    """A deliberately different model (always predicts class 1) under `alias`."""
    x, y, _ = reference_data()
    return publish_reference_model(
        registry, MODEL, alias=alias, model=DummyClassifier(strategy="constant", constant=1).fit(x, y)
    )


def test_canary_split_is_weighted_and_sticky(make_client, own_registry: str) -> None:
    canary_version = _add_candidate(own_registry, "candidate")
    client: TestClient = make_client(
        registry=own_registry, canary_alias="candidate", canary_weight=0.3, rate_limit_burst=10_000
    )
    n = 1500
    variants = {}
    for i in range(n):
        response = client.post(
            "/predict", json={"instances": [VALID_ROW]}, headers={**AUTH, "X-Routing-Key": f"user-{i}"}
        )
        assert response.status_code == 200
        body = response.json()
        variants[i] = body["variant"]
        if body["variant"] == "canary":
            assert body["version"] == canary_version and body["predictions"] == [1]
    share = sum(v == "canary" for v in variants.values()) / n
    # Binomial sd at n=1500, p=0.3 is 0.012: +-0.06 is five sd.
    assert 0.24 <= share <= 0.36, share
    for i in range(0, n, 50):  # the same key always lands on the same variant
        again = client.post(
            "/predict", json={"instances": [VALID_ROW]}, headers={**AUTH, "X-Routing-Key": f"user-{i}"}
        )
        assert again.json()["variant"] == variants[i]
    text = client.get("/metrics").text
    assert (
        "mlfleet_model_info"
        f'{{alias="candidate",model="breast-cancer",variant="canary",version="{canary_version}"}} 1.0' in text
    )
    assert 'variant="canary",version="' + canary_version + '"' in text


def test_shadow_never_affects_responses_and_records_disagreement(make_client, own_registry: str) -> None:
    reg = open_registry(own_registry)
    primary = reg.load(MODEL, reg.resolve(MODEL, "production")).model
    shadow_version = _add_candidate(own_registry, "shadow")
    with_shadow: TestClient = make_client(registry=own_registry, shadow_alias="shadow")
    x = reference_data()[0][:40]
    expected = primary.predict(x).tolist()
    for start in range(0, 40, 8):
        body = with_shadow.post(
            "/predict", json={"instances": x[start : start + 8].tolist()}, headers=AUTH
        ).json()
        assert body["predictions"] == expected[start : start + 8]
        assert body["variant"] == "primary" and body["version"] != shadow_version
    text = with_shadow.get("/metrics").text
    assert (
        f'mlfleet_shadow_predictions_total{{model="breast-cancer",version="{shadow_version}"}} 40.0' in text
    )
    disagreements = sum(1 for v in expected if v != 1)
    assert (
        "mlfleet_shadow_disagreements_total"
        f'{{model="breast-cancer",version="{shadow_version}"}} {disagreements}.0' in text
    )


def test_shadow_failure_is_invisible_to_clients(make_client, own_registry: str) -> None:
    _add_candidate(own_registry, "shadow")
    client: TestClient = make_client(registry=own_registry, shadow_alias="shadow")
    slot = client.app.state.serving.manager.shadow

    def broken(_x):
        raise ValueError("shadow exploded")

    slot.current.predict = broken
    response = client.post("/predict", json={"instances": [VALID_ROW]}, headers=AUTH)
    assert response.status_code == 200 and response.json()["variant"] == "primary"
