"""MonitoringStack: kube-prometheus-stack values (storage, retention, generated Grafana password),
the PrometheusRule from the single rules source, dashboard ConfigMaps for the Grafana sidecar."""

from __future__ import annotations

import json

import pytest
import yaml

from components.errors import ComponentArgumentError
from components.kubernetes.monitoring.gpu_cost import GROUP as PRICE_GROUP
from components.kubernetes.monitoring.rules import rule_files
from components.monitoring_stack import AlertReceiver, MonitoringStackArgs
from mlfleet.engine.harness import Plan, preview_stack

SECRET = "4dabf18193072939515e22adb298388d"
RELEASE = "kubernetes:helm.sh/v3:Release"


def _release(plan: Plan) -> dict:
    found = [r for r in plan.of_type(RELEASE) if r["inputs"]["chart"] == "kube-prometheus-stack"]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize(
    ("stack", "retention", "size"), [("dev", "15d", "50Gi"), ("prod", "30d", "200Gi"), ("local", "2d", "5Gi")]
)
def test_persistent_storage_and_retention_from_config(stack, retention, size):
    values = _release(preview_stack(stack))["inputs"]["values"]
    spec = values["prometheus"]["prometheusSpec"]
    assert spec["retention"] == retention
    assert spec["storageSpec"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"] == size
    assert spec["ruleSelectorNilUsesHelmValues"] is False
    assert values["grafana"]["persistence"]["enabled"] is True
    assert values["alertmanager"]["alertmanagerSpec"]["storage"]["volumeClaimTemplate"]


def test_grafana_password_is_generated_and_only_a_secret_in_the_plan():
    plan = preview_stack("dev")
    release = _release(plan)
    password = plan.named("mlfleet-dev-monitoring-grafana-admin")
    assert password["inputs"]["length"] >= 24
    assert release["inputs"]["values"]["grafana"]["adminPassword"] == {
        SECRET: "1b47061264138c4ac30d75fd1eb44270",
        "redacted": True,
    }
    assert password["urn"] in release["propertyDependencies"]["values"]
    assert SECRET in plan.outputs["grafanaAdminPassword"]
    # The mocked password value appears nowhere in the plan (inputs, outputs, exports).
    generated = password["outputs"].get("result")
    assert generated is None or SECRET in generated
    assert '"adminPassword": "' not in json.dumps(plan.data)


def test_prometheus_rule_is_exactly_the_promtool_rule_files():
    plan = preview_stack("dev")
    rule = plan.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    groups = [g for path in rule_files() for g in yaml.safe_load(path.read_text())["groups"]]
    # Plus the one group generated per stack: the GPU-idle cost alert's prices (gpu_cost.py).
    assert [g for g in rule["inputs"]["spec"]["groups"] if g["name"] != PRICE_GROUP] == groups
    assert [g["name"] for g in rule["inputs"]["spec"]["groups"]].count(PRICE_GROUP) == 1
    alerts = {r["alert"] for g in groups for r in g["rules"] if "alert" in r}
    assert {
        "MlfleetHighP99Latency",
        "MlfleetHighErrorRate",
        "MlfleetNoTraffic",
        "MlfleetModelNotReady",
        "MlfleetModelStale",
        "MlfleetFeatureDrift",
        "MlfleetGpuNodesIdle",
    } <= alerts
    assert rule["inputs"]["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert _release(plan)["urn"] in rule["dependencies"], "the chart installs the CRD"


def test_dashboards_are_configmaps_the_grafana_sidecar_loads():
    plan = preview_stack("dev")
    sidecar = _release(plan)["inputs"]["values"]["grafana"]["sidecar"]["dashboards"]
    maps = [r["inputs"] for r in plan.of_type("kubernetes:core/v1:ConfigMap") if "dashboard" in r["name"]]
    assert len(maps) >= 2
    for config_map in maps:
        assert config_map["metadata"]["labels"][sidecar["label"]] == sidecar["labelValue"]
        (content,) = config_map["data"].values()
        board = json.loads(content)
        assert board["title"] and board["panels"]


@pytest.mark.parametrize(
    ("argument", "changes"),
    [
        ("retention", {"retention": "forever"}),
        ("storage_size", {"storage_size": "50GB"}),
        ("alert_email", {"alert_email": "oncall"}),
        ("error_rate_threshold", {"error_rate_threshold": 5}),
        ("alert_receivers", {"alert_receivers": {}}),
        ("alert_receivers", {"alert_receivers": {"x": AlertReceiver("webhook", (), {"url": "https://x"})}}),
    ],
)
def test_bad_arguments_name_the_argument(argument, changes):
    receiver = AlertReceiver("webhook", ("page", "ticket"), {"url": "https://alerts.example.com"})
    with pytest.raises(ComponentArgumentError, match=argument):
        MonitoringStackArgs(**{"alert_receivers": {"hook": receiver}, **changes})
