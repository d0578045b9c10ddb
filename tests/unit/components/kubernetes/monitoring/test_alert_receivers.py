"""Alerts reach someone: mlfleet:monitoring.receivers become kube-prometheus-stack's
`alertmanager.config` (route tree by severity, receivers, inhibit rules, the chart's `null`
receiver), credentials only as Pulumi secrets, and a stack without receivers does not preview."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.kubernetes.monitoring.alertmanager import alertmanager_config
from mlfleet.engine.errors import PreviewError
from mlfleet.engine.harness import REPO_ROOT, preview_stack
from mlfleet.engine.plan import SECRET_MARKER
from mlfleet.engine.preview import run_preview
from mlfleet.engine.project import load_project
from tests.unit.components.raw import raw_run, registered, reveal

RELEASE = "kubernetes:helm.sh/v3:Release"
# What `pulumi config set --secret --path` values look like once the CLI has decrypted them.
ALL_KINDS = {
    "alertEmail": "oncall@example.com",
    "receivers": {
        "oncall": {
            "email": {
                "from": "am@example.com",
                "smarthost": "smtp.example.com:587",
                "authUsername": "am",
                "authPassword": "smtp-password-1",
            }
        },
        "chat": {
            "severities": ["ticket"],
            "slack": {"webhookUrl": "https://hooks.slack.com/services/T0/B0/xyz", "channel": "#mlfleet"},
        },
        "pager": {"pagerduty": {"routingKey": "pd-routing-key-0123456789"}},
        "bot": {"webhook": {"url": "https://alerts.example.com/hook", "secret": "hook-token-1"}},
    },
}
SECRETS = ("smtp-password-1", "hooks.slack.com", "pd-routing-key-0123456789", "hook-token-1")


def rendered(stack: str, monitoring: dict[str, Any] | None = None) -> tuple[dict[str, Any], bool]:
    changes = {"mlfleet:monitoring": monitoring} if monitoring else None
    registrations, _ = raw_run(stack, changes, ("mlfleet:monitoring",) if monitoring else ())
    values = registered(registrations, RELEASE, "-monitoring").inputs["values"]
    config, was_secret = reveal(reveal(values)[0]["alertmanager"]["config"])
    return config, was_secret


def preview_with(tmp_path: Path, stack: str, monitoring: Any) -> dict[str, Any]:
    config = yaml.safe_load((REPO_ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    config["mlfleet:monitoring"] = monitoring
    (tmp_path / "Pulumi.trial.yaml").write_text(yaml.safe_dump({"config": config}))
    project = dataclasses.replace(load_project(REPO_ROOT), stack_config_dir=tmp_path)
    return run_preview(REPO_ROOT, "trial", project)


@pytest.mark.parametrize("stack", ["dev", "prod", "local"])
def test_every_stack_routes_alerts_to_a_receiver_as_a_secret(stack: str) -> None:
    config, was_secret = rendered(stack)
    assert was_secret
    names = [r["name"] for r in config["receivers"]]
    assert names[0] == "null" and len(names) >= 2
    assert config["route"]["receiver"] != "null"
    watchdog, *routes = config["route"]["routes"]
    assert watchdog == {"receiver": "null", "matchers": ['alertname =~ "InfoInhibitor|Watchdog"']}
    # The closed loop: where a training CronJob exists (prod), `action` alerts also reach the alert hook
    # (and go on to people: `continue`).
    action_routes = [r for r in routes if r["matchers"][0].startswith("action")]
    severity_routes = [r for r in routes if r not in action_routes]
    loop = {'action = "retrain"', 'action = "rollback"'} if stack == "prod" else set()
    assert {m for r in action_routes for m in r["matchers"]} == loop
    assert all(r["continue"] and r["receiver"] in names for r in action_routes)
    assert {m for r in severity_routes for m in r["matchers"]} == {
        'severity =~ "page|critical"',
        'severity =~ "ticket|warning"',
    }
    (monitoring,) = [r for r in preview_stack(stack).of_type(RELEASE) if r["name"].endswith("-monitoring")]
    release = monitoring["inputs"]["values"]
    assert release == SECRET_MARKER or release["alertmanager"]["config"] == SECRET_MARKER


def test_email_defaults_to_the_alert_email() -> None:
    config, _ = rendered("dev")
    (oncall,) = [r for r in config["receivers"] if r["name"] == "oncall"]
    assert oncall["email_configs"][0]["to"] == "mlfleet-oncall@example.com"
    assert oncall["email_configs"][0]["smarthost"] == "smtp.example.com:587"


def test_all_receiver_kinds_with_their_secrets() -> None:
    config, was_secret = rendered("local", ALL_KINDS)
    assert was_secret
    receivers = {r["name"]: r for r in config["receivers"]}
    assert receivers["pager"]["pagerduty_configs"][0]["routing_key"] == "pd-routing-key-0123456789"
    assert receivers["chat"]["slack_configs"][0]["api_url"].startswith("https://hooks.slack.com/")
    assert receivers["oncall"]["email_configs"][0]["auth_password"] == "smtp-password-1"
    assert receivers["bot"]["webhook_configs"][0]["http_config"]["authorization"] == {
        "type": "Bearer",
        "credentials": "hook-token-1",
    }
    routes = {(r["receiver"], r["matchers"][0]) for r in config["route"]["routes"][1:]}
    assert ("pager", 'severity =~ "page|critical"') in routes
    assert ("pager", 'severity =~ "ticket|warning"') not in routes  # PagerDuty pages only
    assert ("chat", 'severity =~ "page|critical"') not in routes  # as configured
    assert config["route"]["receiver"] == "bot"  # first ticket receiver by name: the catch-all


def test_secrets_never_reach_the_plan(tmp_path: Path) -> None:
    secure = {
        "receivers": {
            "pager": {"pagerduty": {"routingKey": {"secure": "v1:AAAAbm90LXJlYWwtY2lwaGVydGV4dA=="}}}
        },
        "alertEmail": "oncall@example.com",
    }
    plan = preview_with(tmp_path, "local", secure)
    text = str(plan)
    assert "bm90LXJlYWwtY2lwaGVydGV4dA" not in text
    assert plan["config"]["mlfleet:monitoring"] == SECRET_MARKER


@pytest.mark.parametrize(
    ("monitoring", "expected"),
    [
        ({}, ["stacks/Pulumi.trial.yaml", "mlfleet:monitoring.receivers", "is empty", "pulumi config set"]),
        (
            {"receivers": {"pager": {"pagerduty": {"routingKey": "plain-text-key-123"}}}},
            ["mlfleet:monitoring.receivers.pager.pagerduty.routingKey", "plain text", "--secret"],
        ),
        (
            {
                "receivers": {
                    "both": {"pagerduty": {"routingKey": {"secure": "v1:x"}}, "webhook": {"url": "https://x"}}
                }
            },
            ["mlfleet:monitoring.receivers.both", "exactly one of email, slack, pagerduty, webhook"],
        ),
        (
            {"receivers": {"mail": {"email": {"from": "a@example.com", "smarthost": "smtp.example.com:25"}}}},
            ["mlfleet:monitoring.receivers.mail.email.to", "alertEmail"],
        ),
    ],
)
def test_bad_receivers_name_the_stack_file_and_key(
    tmp_path: Path, monitoring: Any, expected: list[str]
) -> None:
    with pytest.raises(PreviewError) as info:
        preview_with(tmp_path, "local", monitoring)
    message = str(info.value)
    for fragment in expected:
        assert fragment in message
    assert "plain-text-key-123" not in message  # a credential is never echoed


def test_no_receiver_is_refused_by_the_renderer_too() -> None:
    with pytest.raises(ValueError, match="reach no one"):
        alertmanager_config({})
