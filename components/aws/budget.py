"""AWS Budgets cost budget for one cell, e-mailing the alert receivers at each threshold and, when
they have https webhooks, publishing to an SNS topic those webhooks subscribe to."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws.policy_documents import document
from components.budget import BudgetArgs, amount_text
from components.context import PlatformContext
from components.target import CloudTarget

# The cost allocation tag a `stack` budget filters on (every resource carries it through the
# provider's default_tags). AWS Budgets filters tags as `user:<key>$<value>` (aws-cli
# awscli/examples/budgets/create-budget.rst; pulumi-aws 7.51 budgets/budget.py, cost_filters
# TagKeyValue). It only counts once the tag is activated as a cost allocation tag (docs/budgets.md).
COST_TAG = "environment"
NOTIFICATION_TYPE = {"actual": "ACTUAL", "forecast": "FORECASTED"}
BUDGETS_SERVICE = "budgets.amazonaws.com"


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
    Topics are encrypted (policy aws-sns-encrypted); a service publishing to an encrypted topic needs
    kms:GenerateDataKey* and kms:Decrypt on its key (SNS developer guide, Key management), which the
    AWS-managed alias/aws/sns key cannot grant, so the topic has its own key.
    """
    identity = aws.get_caller_identity_output(
        opts=pulumi.InvokeOutputOptions(parent=parent, provider=opts.provider)
    )
    account, partition = identity.account_id, identity.arn.apply(lambda arn: arn.split(":")[1])
    from_budgets = {
        "StringEquals": {"aws:SourceAccount": account},
        "ArnLike": {"aws:SourceArn": pulumi.Output.format("arn:{0}:budgets::{1}:*", partition, account)},
    }
    key = aws.kms.Key(
        f"{name}-sns",
        description=f"{name}: encrypts the budget notification topic",
        enable_key_rotation=True,
        deletion_window_in_days=7,
        policy=document(
            {
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": pulumi.Output.format("arn:{0}:iam::{1}:root", partition, account)},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "BudgetsPublishEncrypted",
                "Effect": "Allow",
                "Principal": {"Service": BUDGETS_SERVICE},
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                "Resource": "*",
                "Condition": from_budgets,
            },
        ),
        tags=context.tags(),
        opts=opts,
    )
    # The access policy rides on the topic itself (its ARN is known from the name), so the stack needs
    # no separate TopicPolicy resource.
    arn = pulumi.Output.format("arn:{0}:sns:{1}:{2}:{3}", partition, region, account, name)
    topic = aws.sns.Topic(
        name,
        name=name,
        kms_master_key_id=key.arn,
        policy=document(
            {
                "Sid": "AWSBudgetsSNSPublishingPermissions",
                "Effect": "Allow",
                "Principal": {"Service": BUDGETS_SERVICE},
                "Action": "SNS:Publish",
                "Resource": arn,
                "Condition": from_budgets,
            }
        ),
        tags=context.tags(),
        opts=opts,
    )
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
