"""Hot swap on a real server process: the alias moves under concurrent load with zero failed
requests; a version that fails verification is never served and is counted."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import httpx
from mlfleet_registry import open_registry
from mlfleet_serving.reference_model import publish_reference_model, reference_data
from sklearn.dummy import DummyClassifier

from tests.apps.serving.conftest import KEY, MODEL, VALID_ROW


def _wait_for(predicate, what: str, attempts: int = 300) -> None:
    event = threading.Event()
    for _ in range(attempts):
        if predicate():
            return
        event.wait(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_alias_move_under_load_has_zero_failed_requests(server: str, own_registry: str) -> None:
    stop = threading.Event()
    results: list[tuple[int, str]] = []
    errors: list[str] = []

    def hammer() -> None:
        with httpx.Client(base_url=server, headers={"X-API-Key": KEY}, timeout=30) as client:
            while not stop.is_set():
                try:
                    response = client.post("/predict", json={"instances": [VALID_ROW]})
                    results.append((response.status_code, response.json().get("version", "")))
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        _wait_for(lambda: len(results) > 20, "requests on the first version")
        x, y, _ = reference_data()
        v2 = publish_reference_model(
            own_registry, MODEL, model=DummyClassifier(strategy="constant", constant=1).fit(x, y)
        )
        _wait_for(lambda: any(v == v2 for _, v in results[-50:]), "the new version to be served")
        # A version whose artifact is corrupted after publishing: must never be served.
        reg = open_registry(own_registry)
        v3 = publish_reference_model(own_registry, MODEL, alias=None, n_estimators=3, seed=7)
        digest = next(iter(reg.manifest(MODEL, v3).files.values()))
        blob = Path(own_registry) / reg.blob_key(MODEL, digest)
        blob.write_bytes(blob.read_bytes()[:-10] + b"tampered!!")
        # verify=False: promote refuses a corrupt version by default; this test is about the server
        reg.set_alias(MODEL, "production", v3, actor="test", reason="corrupt candidate", verify=False)
        failures = re.compile(
            r"mlfleet_model_load_failures_total"
            r'\{alias="production",model="breast-cancer",reason="integrity"\} (\d+)'
        )

        def counted() -> bool:
            match = failures.search(httpx.get(server + "/metrics").text)
            return bool(match and float(match.group(1)) >= 1)

        _wait_for(counted, "the integrity failure to be counted")
        count_after_failure = len(results)
        _wait_for(lambda: len(results) > count_after_failure + 50, "more requests after the failed load")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert {status for status, _ in results} == {200}
    versions = [v for _, v in results]
    assert set(versions) == {"v0001", v2} and v3 not in versions
    assert versions[-1] == v2  # the old (verified) version keeps serving after the failed load
    ready = json.loads(httpx.get(server + "/v2/health/ready").text)
    assert ready == {"ready": True}
