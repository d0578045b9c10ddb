"""Azure consumption budget for one cell's resource group (or its subscription), e-mailing the
alert receivers at each threshold and, when they have https webhooks, notifying an action group whose
webhook receivers are those URLs."""

from __future__ import annotations

import datetime

import pulumi
import pulumi_azure_native as azure_native

from components.azure.authorization import client_config, resource_group_id
from components.budget import BudgetArgs
from components.context import PlatformContext, compact_name
from components.target import CloudTarget

# pulumi-azure-native 3.29 consumption/_enums.py: ThresholdType Actual | Forecasted.
THRESHOLD_TYPE = {"actual": "Actual", "forecast": "Forecasted"}


def _webhook_group(
    name: str,
    webhooks: tuple[str, ...],
    target: CloudTarget,
    context: PlatformContext,
    opts: pulumi.ResourceOptions,
) -> pulumi.Output[str]:
    """An action group with one webhook receiver per URL (common alert schema); its resource id, the
    form a budget notification's contactGroups takes."""
    group = azure_native.monitor.ActionGroup(
        f"{name}-webhooks",
        action_group_name=f"{name}-webhooks",
        resource_group_name=target.resource_group_name or "",
        location="Global",  # action groups are global resources
        group_short_name=compact_name(name, 12, alphanumeric=True),
        enabled=True,
        webhook_receivers=[
            azure_native.monitor.WebhookReceiverArgs(
                name=f"webhook{index}", service_uri=url, use_common_alert_schema=True
            )
            for index, url in enumerate(webhooks)
        ],
        tags=context.tags(),
        opts=opts,
    )
    return group.id


def first_of_this_month(today: datetime.date | None = None) -> str:
    """Azure's rule for a Cost budget's start: the first of a month, no earlier than the current
    month (learn.microsoft.com, Azure.ResourceManager.Consumption BudgetTimePeriod: "Must be first
    of the month ... Past start date should be selected within the timegrain period")."""
    today = today or datetime.datetime.now(datetime.UTC).date()
    return f"{today:%Y-%m}-01T00:00:00Z"


class AzureBudget(pulumi.ComponentResource):
    budget_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: BudgetArgs,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:azure:Budget", name, None, opts)
        webhooks = args.webhooks
        groups = [_webhook_group(name, webhooks, target, context, target.opts(self))] if webhooks else None
        scope = (
            resource_group_id(target)
            if args.scope == "stack"
            else client_config(target).subscription_id.apply(lambda sub: f"/subscriptions/{sub}")
        )
        budget = azure_native.consumption.Budget(
            name,
            budget_name=name,
            scope=scope,
            # Azure bills in the billing account's currency and takes no currency on a budget.
            amount=args.amount,
            category="Cost",
            time_grain="Monthly",
            time_period=azure_native.consumption.BudgetTimePeriodArgs(start_date=first_of_this_month()),
            notifications={
                # The portal's key shape (letters, digits, underscores): Actual_GreaterThan_80_Percent.
                f"{THRESHOLD_TYPE[basis]}_GreaterThan_{percent:g}_Percent".replace(
                    ".", "_"
                ): azure_native.consumption.NotificationArgs(
                    enabled=True,
                    operator="GreaterThan",
                    threshold=percent,
                    threshold_type=THRESHOLD_TYPE[basis],
                    contact_emails=list(args.recipients),
                    contact_groups=groups,
                )
                for basis, percent in args.thresholds()
            },
            # The start date is set once, when the budget is created; later months keep it.
            opts=target.opts(self, ignore_changes=["timePeriod"]),
        )
        self.budget_id = budget.id
        self.register_outputs({"budget_id": self.budget_id})
