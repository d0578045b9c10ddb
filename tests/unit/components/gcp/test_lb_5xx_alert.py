"""Cloud Monitoring alert on the serving load balancer's 5xx rate, to an email channel from config."""

from __future__ import annotations

from mlfleet.engine.harness import preview_stack
from tests.unit.components.plans import TAG_KEYS, typed


def test_alert_policy_on_the_lb_5xx_share_notifies_the_email_channel():
    plan = preview_stack("gcp-dev")
    # The budget has channels of its own (tests/unit/components/test_budget.py).
    channel = typed(plan, "gcp:monitoring/notificationChannel:NotificationChannel", "mlfleet-gcp-dev-lb-5xx")
    assert channel["inputs"]["type"] == "email"
    assert channel["inputs"]["labels"] == {"email_address": "mlfleet-oncall@example.com"}
    policy = plan.one("gcp:monitoring/alertPolicy:AlertPolicy")["inputs"]
    assert policy["notificationChannels"] == [channel["outputs"]["name"]]
    (condition,) = policy["conditions"]
    threshold = condition["conditionThreshold"]
    assert threshold["comparison"] == "COMPARISON_GT" and threshold["thresholdValue"] == 0.05
    metric = 'metric.type="loadbalancing.googleapis.com/https/request_count"'
    assert metric in threshold["filter"] and metric in threshold["denominatorFilter"]
    assert "metric.label.response_code_class=500" in threshold["filter"]
    assert "response_code_class" not in threshold["denominatorFilter"]
    service = plan.one("kubernetes:core/v1:Service")["inputs"]["metadata"]
    backends = f'full_match(".*-{service["namespace"]}-{service["name"]}-.*")'
    assert backends in threshold["filter"] and backends in threshold["denominatorFilter"]
    assert threshold["aggregations"][0]["perSeriesAligner"] == "ALIGN_RATE"
    assert TAG_KEYS <= policy["userLabels"].keys() and TAG_KEYS <= channel["inputs"]["userLabels"].keys()
