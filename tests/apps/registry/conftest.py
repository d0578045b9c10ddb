"""Registry fixtures: the same contract tests run on a local dir and on S3/GCS/Azure emulators."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from integration.emulators import Emulator, azure_emulator, gcs_emulator, s3_emulator
from mlfleet_registry import FeatureSpec, Registry, open_registry

__all__ = ["azure_emulator", "gcs_emulator", "s3_emulator"]

STORES = [
    "local",
    pytest.param("s3", marks=pytest.mark.integration),
    pytest.param("gs", marks=pytest.mark.integration),
    pytest.param("az", marks=pytest.mark.integration),
]
EMULATOR_FIXTURES = {"s3": "s3_emulator", "gs": "gcs_emulator", "az": "azure_emulator"}


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_registry_url(
    store_kind: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], str]:
    """A factory of fresh, empty registry URLs on the store under test (env set for clients)."""
    if store_kind == "local":
        counter = iter(range(1000))
        return lambda: str(tmp_path / f"registry{next(counter)}")
    emulator: Emulator = request.getfixturevalue(EMULATOR_FIXTURES[store_kind])
    for key, value in emulator.env.items():
        monkeypatch.setenv(key, value)
    return emulator.new_url


@pytest.fixture
def registry(new_registry_url: Callable[[], str]) -> Registry:
    return open_registry(new_registry_url())


@pytest.fixture(scope="session")
def fitted_model() -> Any:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    features, target = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=300).fit(features, target)


def publish_kwargs(**overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "metrics": {"accuracy": 0.97},
        "params": {"max_iter": 300},
        "feature_schema": [FeatureSpec(name=f"f{i}", dtype="float64", min=0.0, max=8.0) for i in range(4)],
        "reference_stats": {"f0": {"bin_edges": [None, 5.0, None], "fractions": [0.3, 0.7]}},
        "data_fingerprint": "sha256:abc",
        "task": "classification",
        "classes": [0, 1, 2],
        "code_version": "test",
        "parent_version": None,
        "created_by": "pytest",
        "reason": "contract test",
    }
    kwargs.update(overrides)
    return kwargs
