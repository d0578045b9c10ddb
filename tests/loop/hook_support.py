"""Helpers shared by the loop tests: the prod plan's training CronJob and alert-hook Deployment,
an alert payload as Alertmanager sends it, and HTTP posting."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from functools import cache
from typing import Any

from mlfleet.engine.harness import preview_stack

# The stack whose plan has a training CronJob (mlfleet:trainingJob.schedule) and so the alert hook.
STACK = "prod"


@cache
def plan_objects() -> dict[str, dict[str, Any]]:
    """kind -> the object (inputs) the plan deploys: the training CronJob and the hook Deployment."""
    out: dict[str, dict[str, Any]] = {}
    for resource in preview_stack(STACK).resources:
        if resource["type"] == "kubernetes:batch/v1:CronJob":
            out["CronJob"] = resource["inputs"]
        if resource["type"] == "kubernetes:apps/v1:Deployment" and resource["name"].endswith(
            "alert-hook-deployment"
        ):
            out["Deployment"] = resource["inputs"]
    return out


def hook_container() -> dict[str, Any]:
    return plan_objects()["Deployment"]["spec"]["template"]["spec"]["containers"][0]


def firing(alertname: str, labels: dict[str, str], fingerprint: str) -> dict[str, Any]:
    """One firing alert in Alertmanager's webhook payload (version 4)."""
    return {
        "status": "firing",
        "labels": {"alertname": alertname, **labels},
        "annotations": {},
        "startsAt": "2026-12-02T05:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "",
        "fingerprint": fingerprint,
    }


def payload(*alerts: dict[str, Any]) -> dict[str, Any]:
    return {"version": "4", "status": "firing", "receiver": "mlfleet-retrain", "alerts": list(alerts)}


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")
