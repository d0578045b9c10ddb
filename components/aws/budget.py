"""AWS Budgets cost budget for one cell, e-mailing the alert receivers at each threshold and, when
they have https webhooks, publishing to an SNS topic those webhooks subscribe to."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws.service_topic import Publisher, service_topic
from components.budget import BudgetArgs, amount_text
from components.context import PlatformContext
from components.target import CloudTarget

# The cost allocation tag a `stack` budget filters on (every resource carries it through the
# provider's default_tags). AWS Budgets filters tags as `user:<key>$<value>` (aws-cli
# awscli/examples/budgets/create-budget.rst; pulumi-aws 7.51 budgets/budget.py, cost_filters
# TagKeyValue). It only counts once the tag is activated as a cost allocation tag (docs/budgets.md).
COST_TAG = "environment"
NOTIFICATION_TYPE = {"actual": "ACTUAL", "forecast": "FORECASTED"}
BUDGETS_PUBLISHER = Publisher(
    "budgets.amazonaws.com", "arn:{partition}:budgets::{account}:*", topic_policy=True
)


def _webhook_topic(
    name: str,
    region: str,
    webhooks: tuple[str, ...],
    context: PlatformContext,
    opts: pulumi.ResourceOptions,
    parent: pulumi.Resource,
) -> pulumi.Output[str]:
    """An SNS topic AWS Budgets may publish to, with one https subscription per webhook; its ARN.

    The topic policy is the one AWS documents for budget notifications (Cost Management user guide,
    "Creating an Amazon SNS topic for budget notifications": SNS:Publish for budgets.amazonaws.com,
    conditioned on aws:SourceAccount and aws:SourceArn arn:<partition>:budgets::<account>:*).
    """
    topic = service_topic(name, region, BUDGETS_PUBLISHER, context, opts, parent)
    for index, url in enumerate(webhooks):
        # SNS first posts a SubscriptionConfirmation; the receiver confirms it once (docs/budgets.md).
        aws.sns.TopicSubscription(
            f"{name}-webhook-{index}", topic=topic.arn, protocol="https", endpoint=url, opts=opts
        )
    return topic.arn


class AwsBudget(pulumi.ComponentResource):
    budget_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: BudgetArgs,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:aws:Budget", name, None, opts)
        child = target.opts(self)
        webhooks = args.webhooks
        topics = [_webhook_topic(name, target.region, webhooks, context, child, self)] if webhooks else None
        notifications = [
            aws.budgets.BudgetNotificationArgs(
                comparison_operator="GREATER_THAN",
                threshold=threshold,
                threshold_type="PERCENTAGE",
                notification_type=NOTIFICATION_TYPE[basis],
                subscriber_email_addresses=list(args.recipients),
                subscriber_sns_topic_arns=topics,
            )
            for basis, threshold in args.thresholds()
        ]
        tag_filter = [
            aws.budgets.BudgetCostFilterArgs(
                name="TagKeyValue", values=[f"user:{COST_TAG}${context.tags()[COST_TAG]}"]
            )
        ]
        budget = aws.budgets.Budget(
            name,
            name=name,
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=amount_text(args.amount),
            limit_unit=args.currency,
            cost_filters=tag_filter if args.scope == "stack" else None,
            notifications=notifications,
            tags=context.tags(),
            opts=child,
        )
        self.budget_id = budget.id
        self.register_outputs({"budget_id": self.budget_id})
