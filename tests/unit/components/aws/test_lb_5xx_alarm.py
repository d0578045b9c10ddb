"""CloudWatch alarm on the serving ALB's 5xx rate, wired to SNS email from mlfleet:monitoring.alertEmail."""

from __future__ import annotations

import json

import pytest

from components.errors import ComponentArgumentError
from components.lb_5xx_alarm import LoadBalancer5xxAlarmArgs
from mlfleet.engine.harness import preview_stack
from tests.unit.components.plans import TAG_KEYS, serving_ingress


def test_alarm_on_the_serving_alb_5xx_rate_notifies_the_configured_email():
    plan = preview_stack("dev")
    topic = plan.one("aws:sns/topic:Topic")
    subscription = plan.one("aws:sns/topicSubscription:TopicSubscription")["inputs"]
    assert subscription == {
        "topic": topic["outputs"]["arn"],
        "protocol": "email",
        "endpoint": "mlfleet-oncall@example.com",
    }
    alarm = plan.one("aws:cloudwatch/metricAlarm:MetricAlarm")["inputs"]
    assert alarm["threshold"] == 0.05
    assert alarm["comparisonOperator"] == "GreaterThanThreshold"
    assert alarm["alarmActions"] == [topic["outputs"]["arn"]]
    queries = {q["id"]: q for q in alarm["metricQueries"]}
    assert [q["id"] for q in alarm["metricQueries"] if q["returnData"]] == ["rate"]
    assert queries["rate"]["expression"] == "(FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests"
    names = {k: q["metric"]["metricName"] for k, q in queries.items() if "metric" in q}
    assert names == {
        "elb5xx": "HTTPCode_ELB_5XX_Count",
        "target5xx": "HTTPCode_Target_5XX_Count",
        "requests": "RequestCount",
    }
    # The ALB the serving Ingress names, found by that name once it exists.
    ingress = serving_ingress(plan)["inputs"]["metadata"]["annotations"]
    lb_name = ingress["alb.ingress.kubernetes.io/load-balancer-name"]
    for query in queries.values():
        if "metric" in query:
            assert query["metric"]["namespace"] == "AWS/ApplicationELB"
            assert query["metric"]["dimensions"]["LoadBalancer"].startswith(f"app/{lb_name}/")
    assert TAG_KEYS <= alarm["tags"].keys() and TAG_KEYS <= topic["inputs"]["tags"].keys()
    # CloudWatch can publish only to a topic whose key lets it (not the AWS-managed alias/aws/sns):
    # the topic's own key allows cloudwatch.amazonaws.com for this alarm of this account.
    keys = {k["outputs"]["arn"]: k for k in plan.of_type("aws:kms/key:Key")}
    key = keys[topic["inputs"]["kmsMasterKeyId"]]
    assert key["inputs"]["enableKeyRotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key["inputs"]["policy"])["Statement"]}
    publish = statements["ServicePublishesEncrypted"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(publish["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert publish["Condition"]["ArnLike"]["aws:SourceArn"].endswith(f":alarm:{alarm['name']}")
    assert publish["Condition"]["StringEquals"]["aws:SourceAccount"]


def test_alarm_waits_for_the_serving_service():
    plan = preview_stack("dev")
    alarm = plan.one("mlfleet:aws:LoadBalancer5xxAlarm")
    ingress = serving_ingress(plan)
    assert ingress["urn"] in alarm["dependencies"]


def test_no_alarm_without_an_alert_email():
    assert not preview_stack("azure-dev").of_type("mlfleet:aws:LoadBalancer5xxAlarm")
    assert not preview_stack("local").of_type("aws:cloudwatch/metricAlarm:MetricAlarm")


@pytest.mark.parametrize(
    ("argument", "changes"),
    [
        ("email", {"email": "oncall"}),
        ("threshold", {"threshold": 2}),
        ("window_seconds", {"window_seconds": 90}),
    ],
)
def test_bad_arguments_name_the_argument(argument, changes):
    with pytest.raises(ComponentArgumentError, match=argument):
        LoadBalancer5xxAlarmArgs(**{"email": "a@example.com", "load_balancer": "lb", **changes})
