"""PSI drift score: near zero on the reference distribution, rising when inputs shift."""

from __future__ import annotations

import re

import numpy as np
from fastapi.testclient import TestClient
from mlfleet_serving.drift import DriftWindow, psi
from mlfleet_serving.reference_model import reference_stats

from tests.apps.serving.conftest import AUTH


def test_psi_of_identical_distributions_is_zero_and_grows_with_shift() -> None:
    assert psi(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == 0.0
    assert psi(np.array([0.5, 0.5]), np.array([0.6, 0.4])) < psi(np.array([0.5, 0.5]), np.array([0.9, 0.1]))


def test_window_slides(data) -> None:
    x, _, names = data
    window = DriftWindow(names, reference_stats(x, names), window=100)
    window.record(x[:100])
    calm = window.scores()["mean_radius"]
    window.record(x[:250] * 3)  # more rows than the window: only the shifted ones remain
    assert window.scores()["mean_radius"] > calm + 1.0


def _psi_values(text: str) -> dict[str, float]:
    return {
        m.group(1): float(m.group(2))
        for m in re.finditer(r'mlfleet_feature_drift_psi\{feature="([^"]+)",[^}]*\} (\S+)', text)
    }


def test_drift_metric_rises_when_the_input_distribution_shifts(make_client, data) -> None:
    client: TestClient = make_client(range_policy="flag", drift_window=400)
    x = data[0]
    rng = np.random.default_rng(0)
    for _ in range(4):
        rows = x[rng.choice(len(x), 100)]
        assert client.post("/predict", json={"instances": rows.tolist()}, headers=AUTH).status_code == 200
    before = _psi_values(client.get("/metrics").text)
    assert len(before) == 30 and max(before.values()) < 0.25
    for _ in range(4):
        shifted = x[rng.choice(len(x), 100)] * 1.8
        assert client.post("/predict", json={"instances": shifted.tolist()}, headers=AUTH).status_code == 200
    after = _psi_values(client.get("/metrics").text)
    assert after["mean_radius"] > 1.0 > before["mean_radius"]
    assert sum(after.values()) > 5 * sum(before.values())
