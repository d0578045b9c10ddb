"""Budgets (issue 11): each cell's monthly budget from mlfleet:budget on its own cloud, alerting the
alert receivers' e-mail addresses; a prod stack without one does not preview."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

import pytest

from components.azure.budget import first_of_this_month
from components.budget import BudgetArgs
from components.errors import ComponentArgumentError
from mlfleet.engine.errors import PreviewError
from mlfleet.engine.harness import preview_stack
from tests.unit.components.plans import WEBHOOK, preview_with, stack_config, with_webhooks

ONCALL = ["mlfleet-oncall@example.com"]


def preview_error(tmp_path: Path, stack: str, changes: dict[str, Any]) -> str:
    with pytest.raises(PreviewError) as info:
        preview_with(tmp_path, stack, changes)
    return str(info.value)


def test_aws_budget_counts_the_stacks_tagged_costs_and_mails_the_receivers() -> None:
    budget = preview_stack("prod").one("aws:budgets/budget:Budget")["inputs"]
    assert (budget["budgetType"], budget["timeUnit"]) == ("COST", "MONTHLY")
    assert (budget["limitAmount"], budget["limitUnit"]) == ("20000", "USD")
    assert budget["costFilters"] == [{"name": "TagKeyValue", "values": ["user:environment$prod"]}]
    notes = [(n["notificationType"], n["threshold"]) for n in budget["notifications"]]
    assert notes == [("ACTUAL", 50), ("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100)]
    for note in budget["notifications"]:
        assert note["subscriberEmailAddresses"] == ONCALL
        assert (note["comparisonOperator"], note["thresholdType"]) == ("GREATER_THAN", "PERCENTAGE")


def test_gcp_budget_is_scoped_to_the_project_and_mails_through_channels() -> None:
    plan = preview_stack("gcp-dev")
    budget = plan.one("gcp:billing/budget:Budget")["inputs"]
    channels = [
        c
        for c in plan.of_type("gcp:monitoring/notificationChannel:NotificationChannel")
        if "budget" in c["name"]
    ]
    assert [c["inputs"]["labels"] for c in channels] == [{"email_address": a} for a in ONCALL]
    rule = budget["allUpdatesRule"]
    # Only the alert receivers, through the channels' ids (projects/.../notificationChannels/<name>).
    assert rule["disableDefaultIamRecipients"] is True
    assert [i.rsplit("/", 1)[1] for i in rule["monitoringNotificationChannels"]] == [
        c["name"] for c in channels
    ]
    assert budget["billingAccount"] == "012345-6789AB-CDEF01"
    # projects/{project_number} (the mocks' number for the project), not the project id.
    assert budget["budgetFilter"] == {"projects": ["projects/123456789012"], "calendarPeriod": "MONTH"}
    assert budget["amount"] == {"specifiedAmount": {"currencyCode": "USD", "units": "1000"}}
    assert [(r["spendBasis"], r["thresholdPercent"]) for r in budget["thresholdRules"]] == [
        ("CURRENT_SPEND", 0.5),
        ("CURRENT_SPEND", 0.8),
        ("CURRENT_SPEND", 1),
        ("FORECASTED_SPEND", 1),
    ]


def test_azure_budget_is_on_the_resource_group_from_the_first_of_a_month() -> None:
    plan = preview_stack("azure-dev")
    budget = plan.one("azure-native:consumption:Budget")
    inputs = budget["inputs"]
    group = plan.one("azure-native:resources:ResourceGroup")["outputs"]["name"]
    assert re.fullmatch(rf"/subscriptions/[0-9a-f-]+/resourceGroups/{group}", inputs["scope"])
    assert (inputs["amount"], inputs["category"], inputs["timeGrain"]) == (1000, "Cost", "Monthly")
    assert re.fullmatch(r"\d{4}-\d{2}-01T00:00:00Z", inputs["timePeriod"]["startDate"])
    assert {k: (n["thresholdType"], n["threshold"]) for k, n in inputs["notifications"].items()} == {
        "Actual_GreaterThan_50_Percent": ("Actual", 50),
        "Actual_GreaterThan_80_Percent": ("Actual", 80),
        "Actual_GreaterThan_100_Percent": ("Actual", 100),
        "Forecasted_GreaterThan_100_Percent": ("Forecasted", 100),
    }
    assert all(n["contactEmails"] == ONCALL and n["enabled"] for n in inputs["notifications"].values())


def test_first_of_this_month() -> None:
    assert first_of_this_month(datetime.date(2027, 2, 28)) == "2027-02-01T00:00:00Z"


def test_every_cell_gets_its_clouds_budget() -> None:
    plan = preview_stack("staging-global")
    assert [b["name"] for b in plan.of_type("aws:budgets/budget:Budget")] == [
        "mlfleet-staging-global-use1-budget"
    ]
    assert [b["name"] for b in plan.of_type("gcp:billing/budget:Budget")] == [
        "mlfleet-staging-global-euw4-budget"
    ]
    assert set(plan.outputs["budgetId"]) == {"use1", "euw4"}


def test_no_budget_on_a_kubernetes_stack() -> None:
    assert not [r for r in preview_stack("local").resources if r["type"].endswith(":Budget")]


@pytest.mark.parametrize(
    ("stack", "token", "scoped"),
    [
        ("dev", "aws:budgets/budget:Budget", lambda inputs: "costFilters" not in inputs),
        ("gcp-dev", "gcp:billing/budget:Budget", lambda inputs: "budgetFilter" not in inputs),
        (
            "azure-dev",
            "azure-native:consumption:Budget",
            lambda inputs: re.fullmatch(r"/subscriptions/[0-9a-f-]+", inputs["scope"]),
        ),
    ],
)
def test_account_scope_counts_the_whole_account(tmp_path: Path, stack: str, token: str, scoped: Any) -> None:
    settings = {**stack_config(stack)["mlfleet:budget"], "scope": "account"}
    plan = preview_with(tmp_path, stack, {"mlfleet:budget": settings})
    assert scoped(plan.one(token)["inputs"])


def test_every_email_receiver_is_notified_once(tmp_path: Path) -> None:
    monitoring = stack_config("dev")["mlfleet:monitoring"]
    mail = {"from": "am@example.com", "smarthost": "smtp.example.com:587"}
    receivers = {
        **monitoring["receivers"],
        "finance": {"email": {**mail, "to": "finops@example.com, mlfleet-oncall@example.com"}},
        "hook": {"webhook": {"url": "https://hooks.example.com/alerts"}},
    }
    plan = preview_with(tmp_path, "dev", {"mlfleet:monitoring": {**monitoring, "receivers": receivers}})
    notes = plan.one("aws:budgets/budget:Budget")["inputs"]["notifications"]
    assert {tuple(n["subscriberEmailAddresses"]) for n in notes} == {
        ("finops@example.com", "mlfleet-oncall@example.com")
    }


@pytest.mark.parametrize(
    ("stack", "changes", "expected"),
    [
        ("prod", {"mlfleet:budget": None}, ["mlfleet:budget", "required on a prod stack", "amount: 5000"]),
        (
            "gcp-dev",
            {"mlfleet:budget": {"amount": 100}},
            ["mlfleet:budget.gcpBillingAccount", "pulumi config set --path mlfleet:budget.gcpBillingAccount"],
        ),
        ("local", {"mlfleet:budget": {"amount": 100}}, ["mlfleet:budget", "kubernetes stack", "config rm"]),
        ("dev", {"mlfleet:budget": {"amount": 0}}, ["mlfleet:budget.amount"]),
        ("dev", {"mlfleet:budget": {"amount": 10, "currency": "usd"}}, ["mlfleet:budget.currency"]),
        (
            "dev",
            {"mlfleet:budget": {"amount": 10, "actualThresholds": [10, 20, 30, 40, 50]}},
            ["keep 1 to 5"],
        ),
        (
            "dev",
            {"mlfleet:budget": {"amount": 10, "actualThresholds": [1200]}},
            ["mlfleet:budget.actualThresholds.0"],
        ),
        ("dev", {"mlfleet:budget": {"amount": 10, "scope": "org"}}, ["mlfleet:budget.scope"]),
        (
            "dev",
            {"mlfleet:budget": {"amount": 10, "amuont": 5}},
            ["mlfleet:budget.amuont", "not a known setting"],
        ),
        (
            "local",
            {"mlfleet:environment": "prod", "mlfleet:cloud": "aws", "mlfleet:region": "us-east-1"},
            ["mlfleet:budget", "required on a prod stack"],
        ),
    ],
)
def test_bad_budget_config_names_the_stack_file_and_key(
    tmp_path: Path, stack: str, changes: dict[str, Any], expected: list[str]
) -> None:
    message = preview_error(tmp_path, stack, changes)
    for text in [f"Pulumi.{stack}.yaml", *expected]:
        assert text in message, message


def test_a_budget_needs_an_email_receiver(tmp_path: Path) -> None:
    receivers = {"hook": {"webhook": {"url": "https://hooks.example.com/alerts"}}}
    monitoring = {**stack_config("dev")["mlfleet:monitoring"], "receivers": receivers}
    message = preview_error(tmp_path, "dev", {"mlfleet:monitoring": monitoring})
    assert "mlfleet:monitoring.receivers" in message and "0 e-mail addresses" in message, message


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"amount": -1}, "amount"),
        ({"currency": "dollars"}, "currency"),
        ({"recipients": ()}, "recipients"),
        ({"recipients": ("not-an-address",)}, "recipients"),
        ({"actual_thresholds": (), "forecast_thresholds": ()}, "actual_thresholds"),
        ({"forecast_thresholds": (0.0,)}, "actual_thresholds"),
    ],
)
def test_budget_args_reject_what_no_cloud_accepts(changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ComponentArgumentError) as info:
        BudgetArgs(**{"amount": 10.0, "recipients": ("a@example.com",), **changes})
    assert info.value.argument == argument


HOOK = WEBHOOK


def test_aws_budget_publishes_to_a_topic_the_https_webhooks_subscribe_to(tmp_path: Path) -> None:
    plan = with_webhooks(tmp_path, "dev")
    (topic,) = [t for t in plan.of_type("aws:sns/topic:Topic") if "budget" in t["name"]]
    subscriptions = [
        s for s in plan.of_type("aws:sns/topicSubscription:TopicSubscription") if "budget" in s["name"]
    ]
    # Only the https receiver: the http one is inside the cluster, out of AWS Budgets' reach.
    assert [(s["inputs"]["protocol"], s["inputs"]["endpoint"]) for s in subscriptions] == [("https", HOOK)]
    assert all(s["inputs"]["topic"] == topic["outputs"]["arn"] for s in subscriptions)
    notes = plan.one("aws:budgets/budget:Budget")["inputs"]["notifications"]
    assert all(n["subscriberSnsTopicArns"] == [topic["outputs"]["arn"]] for n in notes)
    assert all(n["subscriberEmailAddresses"] == ONCALL for n in notes)
    # AWS Budgets may publish, from this account's budgets only, to a topic encrypted with a key it may use.
    (statement,) = json.loads(topic["inputs"]["policy"])["Statement"]
    # The topic's own ARN (arn:<partition>:sns:<region>:<account>:<name>), built from its name.
    assert re.fullmatch(rf"arn:aws:sns:us-east-1:\d{{12}}:{topic['inputs']['name']}", statement["Resource"])
    assert statement["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert statement["Action"] == "SNS:Publish"
    assert set(statement["Condition"]) == {"StringEquals", "ArnLike"}
    (key,) = [k for k in plan.of_type("aws:kms/key:Key") if k["name"] == f"{topic['name']}-sns"]
    assert topic["inputs"]["kmsMasterKeyId"] == key["outputs"]["arn"] and key["inputs"]["enableKeyRotation"]
    grants = {s["Sid"]: s for s in json.loads(key["inputs"]["policy"])["Statement"]}
    assert grants["ServicePublishesEncrypted"]["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]


def test_gcp_budget_publishes_to_a_topic_that_pushes_to_the_https_webhooks(tmp_path: Path) -> None:
    plan = with_webhooks(tmp_path, "gcp-dev")
    (topic,) = [t for t in plan.of_type("gcp:pubsub/topic:Topic") if "budget" in t["name"]]
    subscriptions = [s for s in plan.of_type("gcp:pubsub/subscription:Subscription") if "budget" in s["name"]]
    assert [s["inputs"]["pushConfig"]["pushEndpoint"] for s in subscriptions] == [HOOK]
    rule = plan.one("gcp:billing/budget:Budget")["inputs"]["allUpdatesRule"]
    # The topic's id (projects/<project>/topics/<name>), which the subscriptions read too.
    assert rule["pubsubTopic"].endswith(f"/topics/{topic['inputs']['name']}")
    assert rule["schemaVersion"] == "1.0"
    assert all(s["inputs"]["topic"] == rule["pubsubTopic"] for s in subscriptions)
    assert len(rule["monitoringNotificationChannels"]) == len(ONCALL)  # e-mail stays


def test_azure_budget_notifies_an_action_group_with_the_https_webhooks(tmp_path: Path) -> None:
    plan = with_webhooks(tmp_path, "azure-dev")
    (group,) = [g for g in plan.of_type("azure-native:monitor:ActionGroup") if "budget" in g["name"]]
    assert [(r["serviceUri"], r["useCommonAlertSchema"]) for r in group["inputs"]["webhookReceivers"]] == [
        (HOOK, True)
    ]
    notes = plan.one("azure-native:consumption:Budget")["inputs"]["notifications"].values()
    assert all(n["contactGroups"] == [group["outputs"]["id"]] and n["contactEmails"] == ONCALL for n in notes)


def test_without_an_https_webhook_a_budget_mails_only() -> None:
    plan = preview_stack("dev")
    assert not [t for t in plan.of_type("aws:sns/topic:Topic") if "budget" in t["name"]]
    notes = plan.one("aws:budgets/budget:Budget")["inputs"]["notifications"]
    assert all("subscriberSnsTopicArns" not in n for n in notes)


def test_budget_webhooks_must_be_https() -> None:
    with pytest.raises(ComponentArgumentError, match="webhooks"):
        BudgetArgs(amount=10, recipients=tuple(ONCALL), webhooks=("http://hooks.example.com/",))
