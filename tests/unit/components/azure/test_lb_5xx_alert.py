"""Azure Monitor alert on the serving ingress's 5xx rate: a managed Prometheus rule group on the AKS
cluster's Azure Monitor workspace, to an email action group from mlfleet:monitoring.alertEmail."""

from __future__ import annotations

import pytest

from components.azure.lb_5xx_alert import ratio_expression
from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.lb_5xx_alarm import LoadBalancer5xxAlarmArgs, load_balancer_5xx_alarm
from components.target import CloudTarget
from mlfleet.engine.harness import Plan, preview_stack, run_program
from tests.unit.components.plans import TAG_KEYS, serving_ingress

ACTION_GROUP = "azure-native:monitor:ActionGroup"
RULE_GROUP = "azure-native:alertsmanagement:PrometheusRuleGroup"
EXPRESSION = (
    'sum(rate(nginx_ingress_controller_requests{status=~"5.."}[5m]))'
    " / sum(rate(nginx_ingress_controller_requests[5m])) > 0.05"
)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return preview_stack("azure-dev")


def test_action_group_emails_the_configured_address(plan):
    group = plan.one(ACTION_GROUP)["inputs"]
    assert group["emailReceivers"] == [
        {"name": "oncall", "emailAddress": "mlfleet-oncall@example.com", "useCommonAlertSchema": True}
    ]
    assert group["location"] == "Global" and group["enabled"] is True
    assert len(group["groupShortName"]) <= 12
    assert TAG_KEYS <= group["tags"].keys()


def test_rule_alerts_on_the_ingress_nginx_5xx_ratio_and_notifies_the_action_group(plan):
    group = plan.one(RULE_GROUP)["inputs"]
    (rule,) = group["rules"]
    assert rule["expression"] == EXPRESSION
    assert rule["alert"] == "ServingIngress5xxRate"
    assert rule["enabled"] is True and rule["severity"] == 1
    assert rule["actions"] == [{"actionGroupId": plan.one(ACTION_GROUP)["outputs"]["id"]}]
    assert rule["resolveConfiguration"] == {"autoResolved": True, "timeToResolve": "PT5M"}
    assert group["enabled"] is True and group["interval"] == "PT1M"
    assert TAG_KEYS <= group["tags"].keys()


def test_rule_group_is_scoped_to_the_cluster_and_its_metrics_workspace(plan):
    group = plan.one(RULE_GROUP)["inputs"]
    cluster = plan.one("azure-native:containerservice:ManagedCluster")["outputs"]
    workspace = plan.one("azure-native:monitor:AzureMonitorWorkspace")["outputs"]
    assert group["scopes"] == [workspace["id"], cluster["id"]]
    assert group["clusterName"] == cluster["name"]
    # The workspace is the one the cluster's data collection rule writes to.
    dcr = plan.one("azure-native:monitor:DataCollectionRule")["inputs"]
    assert [a["accountResourceId"] for a in dcr["destinations"]["monitoringAccounts"]] == [workspace["id"]]


def test_alert_waits_for_the_serving_service(plan):
    alarm = plan.one("mlfleet:azure:LoadBalancer5xxAlarm")
    ingress = serving_ingress(plan)
    assert ingress["urn"] in alarm["dependencies"]


def test_threshold_and_window_come_from_the_arguments():
    args = LoadBalancer5xxAlarmArgs(
        email="a@example.com", load_balancer="lb", threshold=0.125, window_seconds=600
    )
    assert ratio_expression(args) == (
        'sum(rate(nginx_ingress_controller_requests{status=~"5.."}[10m]))'
        " / sum(rate(nginx_ingress_controller_requests[10m])) > 0.125"
    )


def test_missing_cluster_metrics_is_a_clean_argument_error():
    context = PlatformContext("mlfleet", "t", "test", "ml-platform", "cc-1234")
    args = LoadBalancer5xxAlarmArgs(email="a@example.com", load_balancer="lb", cluster_id="/c")

    def program() -> None:
        load_balancer_5xx_alarm(
            "a", args, CloudTarget("azure", "westeurope", resource_group_name="g"), context
        )

    with pytest.raises(ComponentArgumentError, match="cluster_name"):
        run_program(program)
