"""Readiness tells the truth about the registry: a replica that can no longer read its serving alias
goes not-ready after MLFLEET_ALIAS_MAX_AGE_SECONDS (while still answering with its verified model),
and ready again once it reads the alias; a version it refuses does not make it not-ready."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from tests.apps.serving.conftest import AUTH, VALID_ROW

MAX_AGE = 2.0  # longer than loading the model at start (the alias is read before the load)


def _ready(client: TestClient) -> int:
    return client.get("/v2/health/ready").status_code


def test_unreachable_registry_turns_readiness_false_then_true_again(
    make_client: Callable[..., TestClient], own_registry: str
) -> None:
    client = make_client(
        own_registry, alias_max_age_seconds=MAX_AGE, poll_interval_seconds=0.1, runtime="sklearn"
    )
    manager = client.app.state.serving.manager  # type: ignore[attr-defined]
    assert _ready(client) == 200
    hidden = Path(own_registry).with_name("unreachable")
    Path(own_registry).rename(hidden)  # the store is gone: every read of the alias fails
    manager.refresh()
    assert _ready(client) == 200  # within the bound: still ready
    time.sleep(MAX_AGE + 0.1)
    manager.refresh()
    assert _ready(client) == 503
    # Still answers with the verified model it holds (readiness steers new traffic, it does not refuse).
    assert client.post("/predict", json={"instances": [VALID_ROW]}, headers=AUTH).status_code == 200
    hidden.rename(own_registry)
    manager.refresh()
    assert _ready(client) == 200


def test_zero_max_age_keeps_the_old_behaviour(
    make_client: Callable[..., TestClient], own_registry: str
) -> None:
    client = make_client(own_registry, alias_max_age_seconds=0, poll_interval_seconds=0.1)
    Path(own_registry).rename(Path(own_registry).with_name("unreachable"))
    time.sleep(0.2)
    client.app.state.serving.manager.refresh()  # type: ignore[attr-defined]
    assert _ready(client) == 200


def test_max_age_must_exceed_the_poll_interval() -> None:
    import pytest
    from mlfleet_serving.settings import ServingSettings
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="ALIAS_MAX_AGE_SECONDS must exceed"):
        ServingSettings(registry="r", model="m", alias_max_age_seconds=5, poll_interval_seconds=10)
