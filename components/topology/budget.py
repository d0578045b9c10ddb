"""The budget section of the topology: each cell's monthly cost budget from `mlfleet:budget`."""

from __future__ import annotations

from typing import Any

from components.budget import BudgetArgs, budget
from components.context import PlatformContext
from components.target import CloudTarget
from components.topology.config import PlatformConfig, budget_recipients


def budget_webhooks(config: PlatformConfig) -> tuple[str, ...]:
    """The alert receivers' webhook URLs a cloud's budget service can reach: https ones, in receiver
    order, each once. An http URL is an in-cluster receiver (e.g. a Service behind Alertmanager) that
    no budget service outside the cluster can call; it keeps getting the alerts only."""
    urls = [
        receiver.webhook.url
        for receiver in config.monitoring.receivers.values()
        if receiver.webhook is not None and receiver.webhook.url.startswith("https://")
    ]
    return tuple(dict.fromkeys(urls))


def build_budget(config: PlatformConfig, context: PlatformContext, target: CloudTarget) -> dict[str, Any]:
    """The cell's budget and its output (nothing on kubernetes or without `mlfleet:budget`)."""
    settings = config.budget
    if settings is None or target.cloud == "kubernetes":
        return {}
    args = BudgetArgs(
        amount=settings.amount,
        recipients=budget_recipients(config),
        currency=settings.currency,
        actual_thresholds=tuple(settings.actual_thresholds),
        forecast_thresholds=tuple(settings.forecast_thresholds),
        scope=settings.scope,
        gcp_billing_account=settings.gcp_billing_account,
        webhooks=budget_webhooks(config),
    )
    return {"budgetId": budget(context.name("budget"), args, target, context).budget_id}
