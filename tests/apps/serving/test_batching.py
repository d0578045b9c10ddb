"""Adaptive batching and inference off the event loop (batching.py): large requests are scored in a
worker thread, merged with the ones that queued meanwhile, each caller gets its own rows, and a
small request is answered while a large one is still being scored.

The model is made slow on purpose (its predict waits on an event) so that the order of events is
fixed by the test, not by timing: the thing under test is the scheduling, and the model still
computes the real predictions."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from mlfleet_registry import open_registry
from mlfleet_serving.runtime import PROBA_ATOL

from tests.apps.serving.conftest import AUTH, MODEL

LARGE = 100  # rows of a large request (>= offload_min_rows below)
WAIT = 20.0  # seconds: an upper bound so that a broken scheduler fails the test instead of hanging it


class Gate:
    """Wraps a served model's predict: calls with at least LARGE rows wait until `open()`."""

    def __init__(self, predict: Callable[[np.ndarray], np.ndarray]) -> None:
        self.real = predict
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if len(x) >= LARGE:
            self.entered.set()
            self.opened.wait(WAIT)
        return self.real(x)


@pytest.fixture
def gated(make_client: Callable[..., TestClient]) -> Iterator[tuple[TestClient, Gate]]:
    client = make_client(offload_min_rows=LARGE, batch_max_rows=1024)
    served = client.app.state.serving.manager.primary.current
    gate = Gate(served.predict)
    served.predict = gate
    try:
        yield client, gate
    finally:
        gate.opened.set()


def _post_in_thread(client: TestClient, rows: list[list[float]], out: dict[str, Any]) -> threading.Thread:
    def run() -> None:
        out["response"] = client.post("/predict", json={"instances": rows}, headers=AUTH)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _expected(registry: str, x: np.ndarray) -> list[int]:
    reg = open_registry(registry)
    return [int(v) for v in reg.load(MODEL, reg.resolve(MODEL, "production")).model.predict(x)]


def _histogram(client: TestClient, name: str) -> tuple[float, float]:
    """(count, sum) of a histogram over all its label sets."""
    text = client.get("/metrics").text
    count = sum(float(v) for v in re.findall(rf"^{name}_count{{[^}}]*}} (\S+)$", text, re.M))
    total = sum(float(v) for v in re.findall(rf"^{name}_sum{{[^}}]*}} (\S+)$", text, re.M))
    return count, total


def test_a_small_request_is_answered_while_a_large_one_is_scored(
    gated: tuple[TestClient, Gate], data: Any, shared_registry: str
) -> None:
    client, gate = gated
    x = data[0]
    large: dict[str, Any] = {}
    thread = _post_in_thread(client, x[:LARGE].tolist(), large)
    assert gate.entered.wait(WAIT), "the large request never reached the model"
    small = client.post("/predict", json={"instances": x[:1].tolist()}, headers=AUTH)
    assert small.status_code == 200 and small.json()["predictions"] == _expected(shared_registry, x[:1])
    assert thread.is_alive() and "response" not in large  # the large one is still being scored
    gate.opened.set()
    thread.join(WAIT)
    assert large["response"].status_code == 200
    assert large["response"].json()["predictions"] == _expected(shared_registry, x[:LARGE])


def test_concurrent_large_requests_are_merged_and_each_gets_its_own_rows(
    gated: tuple[TestClient, Gate], data: Any, shared_registry: str
) -> None:
    client, gate = gated
    x = data[0]
    first: dict[str, Any] = {}
    threads = [_post_in_thread(client, x[:LARGE].tolist(), first)]
    assert gate.entered.wait(WAIT)
    # While the first batch is in the model, three more large requests (different rows) queue up.
    slices = [slice(100, 200), slice(200, 300), slice(300, 420)]
    outs: list[dict[str, Any]] = [{} for _ in slices]
    threads += [_post_in_thread(client, x[s].tolist(), out) for s, out in zip(slices, outs, strict=True)]
    batcher = client.app.state.serving.manager.primary.current.batcher
    deadline = time.monotonic() + WAIT
    while len(batcher.jobs) < len(slices) and time.monotonic() < deadline:  # wait for them to queue
        time.sleep(0.01)
    gate.opened.set()
    for thread in threads:
        thread.join(WAIT)
    assert first["response"].json()["predictions"] == _expected(shared_registry, x[:LARGE])
    for s, out in zip(slices, outs, strict=True):
        assert out["response"].status_code == 200
        assert out["response"].json()["predictions"] == _expected(shared_registry, x[s])
    # Two model calls: the first request alone, then the three that queued, merged into one.
    assert _histogram(client, "mlfleet_inference_batch_requests") == (2.0, 4.0)


def test_small_requests_are_not_batched(make_client: Callable[..., TestClient], data: Any) -> None:
    client = make_client(offload_min_rows=LARGE)
    for rows in (1, LARGE - 1):
        assert (
            client.post("/predict", json={"instances": data[0][:rows].tolist()}, headers=AUTH).status_code
            == 200
        )
    assert _histogram(client, "mlfleet_inference_batch_requests") == (0.0, 0.0)


def test_with_the_scikit_learn_runtime_every_request_is_scored_off_the_loop(
    make_client: Callable[..., TestClient], data: Any, shared_registry: str
) -> None:
    """A scikit-learn forest costs milliseconds per call whatever the rows: single rows too go to
    the batcher (where concurrent ones are merged)."""
    client = make_client(runtime="sklearn", offload_min_rows=LARGE)
    response = client.post("/predict", json={"instances": data[0][:1].tolist()}, headers=AUTH)
    assert response.json()["predictions"] == _expected(shared_registry, data[0][:1])
    assert _histogram(client, "mlfleet_inference_batch_requests") == (1.0, 1.0)


def test_probabilities_off_the_loop_equal_between_onnx_and_scikit_learn(
    make_client: Callable[..., TestClient], data: Any
) -> None:
    """A large request with probabilities, on each runtime (batched path): the same labels, the
    same probabilities within ONNX's float32 tolerance, each row summing to 1; on v2 too."""
    x = data[0][:LARGE].tolist()
    got = {}
    for runtime in ("onnx", "sklearn"):
        client = make_client(runtime=runtime, offload_min_rows=LARGE)
        assert client.app.state.serving.manager.primary.current.runtime == runtime
        body = client.post(
            "/predict", json={"instances": x, "return_probabilities": True}, headers=AUTH
        ).json()
        v2 = client.post(
            f"/v2/models/{MODEL}/infer",
            json={
                "inputs": [{"name": "x", "shape": [LARGE, 30], "datatype": "FP64", "data": x}],
                "outputs": [{"name": "probabilities"}],
            },
            headers=AUTH,
        ).json()
        proba = np.asarray(body["probabilities"])
        assert np.allclose(np.asarray(v2["outputs"][0]["data"]).reshape(LARGE, 2), proba)
        assert np.allclose(proba.sum(axis=1), 1.0, atol=PROBA_ATOL)
        got[runtime] = (body["predictions"], proba)
    assert got["onnx"][0] == got["sklearn"][0]
    assert np.allclose(got["onnx"][1], got["sklearn"][1], rtol=0, atol=PROBA_ATOL)


def test_a_model_failure_in_a_batch_is_a_500_and_the_next_batch_is_scored(
    make_client: Callable[..., TestClient], data: Any, shared_registry: str
) -> None:
    client = make_client(offload_min_rows=LARGE)
    served = client.app.state.serving.manager.primary.current
    real, calls = served.predict, []

    def fails_once(x: np.ndarray) -> np.ndarray:
        calls.append(len(x))
        if len(calls) == 1:
            raise ValueError("model exploded")
        return real(x)

    served.predict = fails_once
    rows = data[0][:LARGE]
    response = client.post("/predict", json={"instances": rows.tolist()}, headers=AUTH)
    assert response.status_code == 500 and "exploded" not in response.text
    response = client.post("/predict", json={"instances": rows.tolist()}, headers=AUTH)
    assert response.status_code == 200 and response.json()["predictions"] == _expected(shared_registry, rows)
