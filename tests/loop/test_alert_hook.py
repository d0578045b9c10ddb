"""The alert hook's receiver over real HTTP on 127.0.0.1, against the Kubernetes API stand-in
(tests/loop/kube_standin.py) serving the prod plan's training CronJob."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mlfleet_trainer.alert_hook.kube import INSTANTIATE, KubeApi
from mlfleet_trainer.alert_hook.server import MAX_BODY, HookServer, HookSettings, Receiver, SettingsError

from tests.loop.hook_support import firing, payload, plan_objects, post
from tests.loop.kube_standin import KubeStandIn

TOKEN = "t" * 40
API_TOKEN = "service-account-token"
DRIFT = {"action": "retrain", "model": "breast-cancer", "severity": "ticket"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def hook(tmp_path: Path) -> Iterator[tuple[str, KubeStandIn, Clock]]:
    cronjob = plan_objects()["CronJob"]
    token_file = tmp_path / "api-token"
    token_file.write_text(API_TOKEN)
    clock = Clock()
    settings = HookSettings(
        token=TOKEN,
        namespace=cronjob["metadata"]["namespace"],
        cronjobs={"breast-cancer": cronjob["metadata"]["name"]},
        window=3600,
        host="127.0.0.1",
        port=0,
    )
    with KubeStandIn(API_TOKEN, [cronjob]) as api:
        server = HookServer(Receiver(settings, kube=lambda: KubeApi(api.url, token_file, None), clock=clock))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/alerts", api, clock
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)


def send(url: str, body: Any, token: str = TOKEN, length: int | None = None) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if length is not None:  # a declared length the server must refuse before reading the body
        headers["Content-Length"] = str(length)
    return post(url, data, headers)


def test_a_retrain_alert_creates_a_job_from_the_cronjob_as_kubectl_does(hook: Any) -> None:
    url, api, _ = hook
    status, answer = send(url, payload(firing("MlfleetFeatureDrift", DRIFT, "f1")))
    assert status == 200 and len(answer["started"]) == 1, answer
    (_namespace, name), job = next(iter(api.jobs.items()))
    cronjob = plan_objects()["CronJob"]
    assert name.startswith(f"{cronjob['metadata']['name']}-retrain-") and len(name) <= 63
    assert job["metadata"]["annotations"][INSTANTIATE] == "manual"
    owner = job["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"]) == ("CronJob", cronjob["metadata"]["name"]) and owner["uid"]
    assert job["spec"] == cronjob["spec"]["jobTemplate"]["spec"]
    assert job["metadata"]["labels"] == cronjob["spec"]["jobTemplate"]["metadata"]["labels"]


def test_repeats_and_a_second_alert_in_the_window_start_nothing(hook: Any) -> None:
    url, api, clock = hook
    send(url, payload(firing("MlfleetFeatureDrift", DRIFT, "f1")))
    # Alertmanager's repeat of the same alert, then another alert for the same model.
    assert send(url, payload(firing("MlfleetFeatureDrift", DRIFT, "f1")))[1]["started"] == []
    assert send(url, payload(firing("MlfleetModelStale", DRIFT, "f2")))[1]["started"] == []
    assert len(api.jobs) == 1
    clock.now += 3600  # the next window
    assert len(send(url, payload(firing("MlfleetModelStale", DRIFT, "f2")))[1]["started"]) == 1
    assert len(api.jobs) == 2


def test_a_restarted_receiver_does_not_start_a_second_run_in_the_window(hook: Any, tmp_path: Path) -> None:
    url, api, clock = hook
    send(url, payload(firing("MlfleetFeatureDrift", DRIFT, "f1")))
    cronjob = plan_objects()["CronJob"]
    token_file = tmp_path / "api-token"
    fresh = Receiver(
        HookSettings(TOKEN, "mlfleet", {"breast-cancer": cronjob["metadata"]["name"]}, window=3600),
        kube=lambda: KubeApi(api.url, token_file, None),
        clock=clock,
    )
    assert fresh.handle(payload(firing("MlfleetFeatureDrift", DRIFT, "f1")))["started"][0].endswith(
        "already exists"
    )
    assert len(api.jobs) == 1


def test_alerts_without_an_action_or_resolved_are_ignored(hook: Any) -> None:
    url, api, _ = hook
    resolved = {**firing("MlfleetFeatureDrift", DRIFT, "f1"), "status": "resolved"}
    ticket = firing("MlfleetNoTraffic", {"model": "breast-cancer", "severity": "ticket"}, "f3")
    assert send(url, payload(resolved, ticket)) == (200, {"started": [], "skipped": []})
    assert api.jobs == {}


@pytest.mark.parametrize(
    ("body", "token", "status"),
    [
        (payload(), "wrong-token-" + "x" * 30, 401),
        (b"{not json", TOKEN, 400),
        ({"alerts": "no"}, TOKEN, 400),
        (payload(firing("MlfleetFeatureDrift", {"action": "retrain"}, "f")), TOKEN, 400),
        (b"{}", TOKEN, 413),
    ],
)
def test_bad_requests_are_refused_before_anything_runs(hook: Any, body: Any, token: str, status: int) -> None:
    url, api, _ = hook
    # 413: a declared Content-Length over the limit is refused before any of the body is read.
    assert send(url, body, token, MAX_BODY + 1 if status == 413 else None)[0] == status
    assert api.jobs == {}


def test_an_unknown_model_starts_nothing(hook: Any) -> None:
    url, _api, _ = hook
    answer = send(url, payload(firing("MlfleetFeatureDrift", {**DRIFT, "model": "other"}, "f9")))[1]
    assert answer["started"] == [] and "no training CronJob" in answer["skipped"][0]


def test_an_api_failure_is_a_502_so_alertmanager_retries(tmp_path: Path) -> None:
    token_file = tmp_path / "api-token"
    token_file.write_text("not-the-token")
    with KubeStandIn(API_TOKEN, [plan_objects()["CronJob"]]) as api:
        receiver = Receiver(
            HookSettings(TOKEN, "mlfleet", {"breast-cancer": "mlfleet-prod-train"}, host="127.0.0.1", port=0),
            kube=lambda: KubeApi(api.url, token_file, None),
        )
        server = HookServer(receiver)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/alerts"
            assert send(url, payload(firing("MlfleetFeatureDrift", DRIFT, "f1")))[0] == 502
            # Not counted as a run: the retry may start it.
            assert receiver.limiter.refusal(receiver_request()) is None
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)


def receiver_request() -> Any:
    from mlfleet_trainer.alert_hook.alerts import requests

    return requests(payload(firing("MlfleetFeatureDrift", DRIFT, "f1")))[0]


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({}, "MLFLEET_HOOK_TOKEN_FILE is not set"),
        ({"MLFLEET_HOOK_TOKEN_FILE": "/nonexistent/token"}, "cannot read"),
    ],
)
def test_a_wrong_setting_is_one_line(env: dict[str, str], problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        HookSettings.from_env(env)


def test_a_failing_canary_alert_moves_the_canary_back_to_production(tmp_path: Path) -> None:
    """MlfleetCanaryFailing (action: rollback) -> the canary alias serves production's version again,
    recorded as a `rollback` in the registry (a real local registry; no Kubernetes call is made)."""
    from mlfleet_registry import open_registry
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from tests.apps.registry.conftest import publish_kwargs

    url = str(tmp_path / "registry")
    registry = open_registry(url)
    model = LogisticRegression(max_iter=300).fit(*load_iris(return_X_y=True))
    good = registry.publish("demo", model, **publish_kwargs()).version
    bad = registry.publish("demo", model, **publish_kwargs(parent_version=good)).version
    registry.set_alias("demo", "production", good, actor="pytest", reason="setup")
    registry.set_alias("demo", "candidate", bad, actor="pytest", reason="setup")
    settings = HookSettings(TOKEN, "mlfleet", {}, registry_url=url, host="127.0.0.1", port=0)
    server = HookServer(Receiver(settings, kube=lambda: pytest.fail("a rollback needs no Kubernetes API")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        hook_url = f"http://127.0.0.1:{server.server_address[1]}/alerts"
        alert = firing(
            "MlfleetCanaryFailing", {"action": "rollback", "model": "demo", "severity": "page"}, "c1"
        )
        status, answer = send(hook_url, payload(alert))
        assert status == 200 and answer["started"] == [
            f"rollback demo: candidate -> {good} (production's version)"
        ]
        assert open_registry(url).aliases("demo") == {"production": good, "candidate": good}
        assert open_registry(url).alias_history("demo", "candidate")[-1]["event"] == "rollback"
        assert send(hook_url, payload(alert))[1]["started"] == []  # Alertmanager's repeat
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
