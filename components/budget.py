"""Budget: a monthly cost budget for one cell, alerting at percentages of actual and forecast spend.

AWS Budgets (`aws.budgets.Budget`), a GCP Cloud Billing budget (`gcp.billing.Budget`, e-mail through
Cloud Monitoring notification channels), an Azure consumption budget
(`azure_native.consumption.Budget`). The recipients are the e-mail addresses of the stack's
Alertmanager receivers (`mlfleet:monitoring.receivers`), so spend reaches the people alerts reach;
the receivers' https webhooks get the budget service's own notifications too (AWS: an SNS topic with
https subscriptions, GCP: a Pub/Sub topic with push subscriptions, Azure: an action group's webhook
receivers). See docs/budgets.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol

import pulumi

from components.cloud_dispatch import require_cloud
from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.target import CloudTarget

COMPONENT = "Budget"
BudgetScope = Literal["stack", "account"]
SpendBasis = Literal["actual", "forecast"]
# The tightest limits of the three: Azure allows 5 notifications per budget (pulumi-azure-native 3.29
# consumption/budget.py), AWS 10 (AWS Budgets API reference, Notification) with 10 e-mail subscribers
# each (NotificationWithSubscribers); GCP 5 monitoring channels per budget (pulumi-gcp 10.2
# billing/_inputs.py, allUpdatesRule.monitoringNotificationChannels).
MAX_NOTIFICATIONS = 5
MAX_RECIPIENTS = 5
# Azure allows 10 webhook receivers per action group (pulumi-azure-native 3.29 monitor ActionGroup);
# kept at the e-mail limit so one receivers map fits every cloud.
MAX_WEBHOOKS = 5
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


@dataclass(frozen=True)
class BudgetArgs:
    # Monthly amount in `currency` (the billing account's currency: AWS and GCP reject another).
    amount: float
    recipients: tuple[str, ...]
    currency: str = "USD"
    # Percentages of the amount: alert when actual spend passes each, and when forecast spend does.
    actual_thresholds: tuple[float, ...] = (50.0, 80.0, 100.0)
    forecast_thresholds: tuple[float, ...] = (100.0,)
    # stack: only this cell's costs (AWS: its `environment` cost allocation tag, GCP: its project,
    # Azure: its resource group); account: the whole AWS account / billing account / subscription.
    scope: BudgetScope = "stack"
    # GCP: the billing account the project is billed to (XXXXXX-XXXXXX-XXXXXX).
    gcp_billing_account: str | None = None
    # https URLs that get the budget service's notifications (the alert receivers' webhooks).
    webhooks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not self.amount > 0:
            raise ComponentArgumentError(
                COMPONENT, "amount", f"is {self.amount!r}", "pass a monthly amount > 0"
            )
        if not re.fullmatch(r"[A-Z]{3}", self.currency):
            raise ComponentArgumentError(
                COMPONENT, "currency", f"is {self.currency!r}", "pass an ISO 4217 code such as USD or EUR"
            )
        thresholds = (*self.actual_thresholds, *self.forecast_thresholds)
        if not thresholds or len(thresholds) > MAX_NOTIFICATIONS:
            raise ComponentArgumentError(
                COMPONENT,
                "actual_thresholds",
                f"and forecast_thresholds hold {len(thresholds)} thresholds together",
                f"keep 1 to {MAX_NOTIFICATIONS} (the clouds' limit of notifications per budget)",
            )
        if any(not 0 < t <= 1000 for t in thresholds):
            raise ComponentArgumentError(
                COMPONENT, "actual_thresholds", f"hold {list(thresholds)}", "use percentages in (0, 1000]"
            )
        if not self.recipients or len(self.recipients) > MAX_RECIPIENTS:
            raise ComponentArgumentError(
                COMPONENT,
                "recipients",
                f"has {len(self.recipients)} addresses",
                f"pass 1 to {MAX_RECIPIENTS} e-mail addresses (GCP's limit of channels per budget)",
            )
        bad = [r for r in self.recipients if not _EMAIL.match(r)]
        if bad:
            raise ComponentArgumentError(COMPONENT, "recipients", f"has {bad!r}", "pass e-mail addresses")
        if len(self.webhooks) > MAX_WEBHOOKS or any(not w.startswith("https://") for w in self.webhooks):
            raise ComponentArgumentError(
                COMPONENT,
                "webhooks",
                f"is {list(self.webhooks)!r}",
                f"pass at most {MAX_WEBHOOKS} https:// URLs (Pub/Sub pushes to https endpoints only)",
            )

    def thresholds(self) -> list[tuple[SpendBasis, float]]:
        """Every notification: (actual | forecast, percent of the amount)."""
        return [("actual", t) for t in self.actual_thresholds] + [
            ("forecast", t) for t in self.forecast_thresholds
        ]


class Budget(Protocol):
    """What every cloud's budget provides."""

    # AWS: the budget's id (account:name); GCP: billingAccounts/.../budgets/...; Azure: resource id.
    budget_id: pulumi.Output[str]


def budget(
    name: str,
    args: BudgetArgs,
    target: CloudTarget,
    context: PlatformContext,
    opts: pulumi.ResourceOptions | None = None,
) -> Budget:
    """Create the budget on the target's cloud (provider SDKs are imported only for that cloud)."""
    require_cloud(COMPONENT, target.cloud, ("aws", "gcp", "azure"))
    if target.cloud == "aws":
        from components.aws.budget import AwsBudget

        return AwsBudget(name, args, target, context, opts)
    if target.cloud == "gcp":
        from components.gcp.budget import GcpBudget

        return GcpBudget(name, args, target, context, opts)
    from components.azure.budget import AzureBudget

    return AzureBudget(name, args, target, context, opts)


def split_addresses(to: str) -> list[str]:
    """Alertmanager's email `to` is a comma-separated list."""
    return [a.strip() for a in to.split(",") if a.strip()]


def amount_text(amount: float) -> str:
    """The amount as AWS and GCP take it: a decimal string without a trailing `.0` (5000, 99.5)."""
    return f"{amount:.2f}".rstrip("0").rstrip(".")
