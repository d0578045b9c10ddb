"""The retrain loop, from a fired alert to a published model version, with the real pieces:

  real Alertmanager (Debian prometheus-alertmanager), configured by the stack's own
  `alertmanager_config` with the alert hook's routes
    -> the real alert hook process (`python -m mlfleet_trainer.alert_hook`, the prod plan's command
       and environment)
    -> a Kubernetes API STAND-IN (tests/loop/kube_standin.py: no API server installs here) serving
       the prod plan's training CronJob; the hook creates the Job there
    -> the created Job's container run as a HOST PROCESS (the trainer image's entrypoint from
       apps/trainer/Dockerfile, the Job's env), not in podman (too heavy for `make test`)
    -> a version published and promoted in the registry.

Substitutions, each for something this machine does not have: the registry is a local directory
instead of the plan's S3 bucket, the Job runs without the KMS signing key (no KMS), the people's
receiver is a URL nobody answers, the hook listens on 127.0.0.1 and a free port, and the action
routes' group_wait is 1 s instead of 30 s (the test's time budget). The alert is posted to
Alertmanager's API (as Prometheus does) rather than fired by a rule evaluated for 30 minutes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from mlfleet_registry import open_registry

from components.kubernetes.monitoring.alertmanager import alertmanager_config
from components.kubernetes.monitoring.rules import alerts
from tests.loop.hook_support import hook_container, plan_objects
from tests.loop.kube_standin import KubeStandIn
from tests.support import REPO_ROOT, free_port, require_tool

HOOK_TOKEN = "h" * 48
API_TOKEN = "projected-service-account-token"
VENV_BIN = Path(sys.executable).parent


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except OSError:
        return 0


def _wait(what: str, ready: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} not ready after {seconds} s")


@contextmanager
def _process(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _entrypoint() -> list[str]:
    """The trainer image's ENTRYPOINT (what runs when the Job's container sets no command)."""
    text = (REPO_ROOT / "apps" / "trainer" / "Dockerfile").read_text()
    return json.loads(re.findall(r"^ENTRYPOINT (\[.*\])$", text, re.M)[-1])


def _alertmanager_yaml(hook_port: int) -> dict[str, Any]:
    config = alertmanager_config(
        {
            "oncall": {
                "kind": "webhook",
                "severities": ["page", "ticket"],
                "settings": {"url": "http://127.0.0.1:9/"},
            }
        },
        {"url": f"http://127.0.0.1:{hook_port}/alerts", "token": HOOK_TOKEN},
    )
    for route in config["route"]["routes"]:
        if "group_wait" in route:
            route["group_wait"] = "1s"
    config["route"]["group_wait"] = "1s"
    return config


def _drift_alert(model: str) -> list[dict[str, Any]]:
    """MlfleetFeatureDrift as Prometheus would send it: the rule's labels plus the series' labels."""
    rule = next(a for a in alerts() if a["alert"] == "MlfleetFeatureDrift")
    assert rule["labels"]["action"] == "retrain"
    labels = {"alertname": rule["alert"], **rule["labels"], "model": model, "feature": "mean radius"}
    return [
        {"labels": labels, "annotations": {"summary": "drift"}, "startsAt": datetime.now(UTC).isoformat()}
    ]


def test_a_fired_retrain_alert_ends_in_a_published_version(tmp_path: Path) -> None:
    alertmanager_bin = require_tool("prometheus-alertmanager")
    amtool = require_tool("amtool")
    cronjob = plan_objects()["CronJob"]
    model = next(
        e["value"]
        for e in cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"]
        if e["name"] == "MLFLEET_MODEL"
    )
    (tmp_path / "hook-token").write_text(HOOK_TOKEN)
    (tmp_path / "api-token").write_text(API_TOKEN)
    hook_port, am_port = free_port(), free_port()
    am_config = tmp_path / "alertmanager.yml"
    am_config.write_text(yaml.safe_dump(_alertmanager_yaml(hook_port)))
    subprocess.run([amtool, "check-config", str(am_config)], check=True, capture_output=True)

    container = hook_container()
    hook_env = {e["name"]: e["value"] for e in container["env"]} | {
        "MLFLEET_HOOK_TOKEN_FILE": str(tmp_path / "hook-token"),
        "MLFLEET_HOOK_HOST": "127.0.0.1",
        "MLFLEET_HOOK_PORT": str(hook_port),
        "MLFLEET_HOOK_KUBE_API": "",  # set below, once the stand-in listens
        "MLFLEET_HOOK_KUBE_TOKEN_FILE": str(tmp_path / "api-token"),
        "PATH": os.environ["PATH"],
    }
    hook_argv = [
        sys.executable if container["command"][0] == "python" else container["command"][0],
        *container["command"][1:],
    ]
    started = time.monotonic()
    with KubeStandIn(API_TOKEN, [cronjob]) as api:
        hook_env["MLFLEET_HOOK_KUBE_API"] = api.url
        with (
            _process(hook_argv, hook_env, tmp_path / "hook.log"),
            _process(
                [
                    alertmanager_bin,
                    f"--config.file={am_config}",
                    f"--storage.path={tmp_path / 'am-data'}",
                    f"--web.listen-address=127.0.0.1:{am_port}",
                    "--cluster.listen-address=",
                ],
                dict(os.environ),
                tmp_path / "alertmanager.log",
            ),
        ):
            _wait("alert hook", lambda: _get(f"http://127.0.0.1:{hook_port}/healthz") == 200, 20)
            _wait("alertmanager", lambda: _get(f"http://127.0.0.1:{am_port}/-/ready") == 200, 20)
            request = urllib.request.Request(
                f"http://127.0.0.1:{am_port}/api/v2/alerts",
                data=json.dumps(_drift_alert(model)).encode(),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 200
            _wait("the Job", lambda: bool(api.jobs), 30)
    (_, job_name), job = next(iter(api.jobs.items()))
    assert job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"

    # Run the Job's pod: its one container, as a host process.
    pod = job["spec"]["template"]["spec"]
    (trainer,) = pod["containers"]
    registry = tmp_path / "registry"
    env = {
        e["name"]: e["value"]
        for e in trainer["env"]
        if e["name"] not in ("MLFLEET_SIGNING_KEY", "MLFLEET_VERIFY_KEYS")
    }
    env |= {"MLFLEET_REGISTRY": str(registry), "PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    argv = trainer.get("command") or _entrypoint()
    argv = [str(VENV_BIN / argv[0]), *argv[1:], *trainer.get("args", [])]
    run = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]

    published = open_registry(str(registry))
    versions = published.list_versions(model)
    assert versions == ["v0001"], versions
    promote_to = env.get("MLFLEET_PROMOTE_TO")
    if promote_to:
        assert published.aliases(model)[promote_to] == "v0001"
    print(f"alert -> Job {job_name} -> {model} {versions[-1]} in {time.monotonic() - started:.1f} s")
