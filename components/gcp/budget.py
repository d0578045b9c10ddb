"""GCP Cloud Billing budget for one cell's project, e-mailing the alert receivers through Cloud
Monitoring notification channels (one per address) at each threshold and, when they have https
webhooks, publishing to a Pub/Sub topic that pushes to each webhook."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.budget import BudgetArgs, amount_text
from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.target import CloudTarget

# pulumi-gcp 10.2 billing/_inputs.py: threshold_percent is 1.0-based (0.5 = 50%), spend_basis
# CURRENT_SPEND | FORECASTED_SPEND; budget_filter.projects takes `projects/{project_number}`.
SPEND_BASIS = {"actual": "CURRENT_SPEND", "forecast": "FORECASTED_SPEND"}
# The only notification schema the budget accepts (pulumi-gcp 10.2 BudgetAllUpdatesRule.schema_version).
SCHEMA_VERSION = "1.0"


def _webhook_topic(
    name: str, webhooks: tuple[str, ...], context: PlatformContext, opts: pulumi.ResourceOptions
) -> pulumi.Output[str]:
    """A Pub/Sub topic the budget publishes to, with one push subscription per webhook; its id
    (projects/{project}/topics/{name}, the form allUpdatesRule.pubsubTopic takes)."""
    topic = gcp.pubsub.Topic(name, name=name, labels=context.labels(), opts=opts)
    for index, url in enumerate(webhooks):
        gcp.pubsub.Subscription(
            f"{name}-webhook-{index}",
            name=f"{name}-webhook-{index}",
            topic=topic.id,
            push_config=gcp.pubsub.SubscriptionPushConfigArgs(push_endpoint=url),
            labels=context.labels(),
            opts=opts,
        )
    return topic.id


class GcpBudget(pulumi.ComponentResource):
    budget_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: BudgetArgs,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:gcp:Budget", name, None, opts)
        if not args.gcp_billing_account:
            raise ComponentArgumentError(
                "Budget", "gcp_billing_account", "is required on gcp", "set mlfleet:budget.gcpBillingAccount"
            )
        child = target.opts(self)
        channels = [
            gcp.monitoring.NotificationChannel(
                f"{name}-{index}",
                display_name=f"{name} {address}",
                type="email",
                labels={"email_address": address},
                user_labels=context.labels(),
                opts=child,
            )
            for index, address in enumerate(args.recipients)
        ]
        # Project scope only, no label filter: costs without labels (network egress, some GKE SKUs,
        # support) would escape a label filter.
        project_filter = None
        if args.scope == "stack":
            project = gcp.organizations.get_project_output(
                project_id=target.project, opts=pulumi.InvokeOutputOptions(provider=target.provider)
            )
            project_filter = gcp.billing.BudgetBudgetFilterArgs(
                projects=[project.number.apply(lambda number: f"projects/{number}")],
                calendar_period="MONTH",
            )
        topic = _webhook_topic(name, args.webhooks, context, child) if args.webhooks else None
        units, _, fraction = amount_text(args.amount).partition(".")
        budget = gcp.billing.Budget(
            name,
            billing_account=args.gcp_billing_account,
            display_name=name[:60],
            amount=gcp.billing.BudgetAmountArgs(
                specified_amount=gcp.billing.BudgetAmountSpecifiedAmountArgs(
                    currency_code=args.currency,
                    units=units,
                    nanos=int(fraction.ljust(9, "0")) if fraction else None,
                )
            ),
            budget_filter=project_filter,
            threshold_rules=[
                gcp.billing.BudgetThresholdRuleArgs(
                    threshold_percent=percent / 100, spend_basis=SPEND_BASIS[basis]
                )
                for basis, percent in args.thresholds()
            ],
            all_updates_rule=gcp.billing.BudgetAllUpdatesRuleArgs(
                monitoring_notification_channels=[c.id for c in channels],
                # Only the alert receivers, as on AWS and Azure (not the billing account's admins).
                disable_default_iam_recipients=True,
                pubsub_topic=topic,
                schema_version=SCHEMA_VERSION if topic is not None else None,
            ),
            opts=child,
        )
        self.budget_id = budget.id
        self.register_outputs({"budget_id": self.budget_id})
