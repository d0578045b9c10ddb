"""An SNS topic an AWS service publishes to, encrypted with a key of its own.

Topics are encrypted (policy aws-sns-encrypted). A service publishing to an encrypted topic needs
kms:GenerateDataKey* and kms:Decrypt on the topic's key (SNS developer guide, "Key management",
"Enable compatibility between event sources from AWS services and encrypted topics"); the policy of
the AWS-managed alias/aws/sns key cannot be changed to grant that, so a service such as CloudWatch
alarms or AWS Budgets silently delivers nothing to a topic encrypted with it. Each topic therefore
gets a customer-managed key whose policy lets exactly that service use it, for this account only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.policy_documents import document
from components.context import PlatformContext


@dataclass(frozen=True)
class Publisher:
    """The service that publishes, and the ARN pattern of its resources that may (aws:SourceArn):
    `{partition}`, `{region}` and `{account}` are filled in."""

    service: str  # e.g. cloudwatch.amazonaws.com
    source_arn: str  # e.g. arn:{partition}:cloudwatch:{region}:{account}:alarm:<name>
    # Whether the topic's access policy must grant SNS:Publish too (AWS Budgets: yes; CloudWatch
    # alarms of the topic's own account publish under the default topic policy).
    topic_policy: bool


def service_topic(
    name: str,
    region: str,
    publisher: Publisher,
    context: PlatformContext,
    opts: pulumi.ResourceOptions,
    parent: pulumi.Resource,
) -> aws.sns.Topic:
    identity = aws.get_caller_identity_output(
        opts=pulumi.InvokeOutputOptions(parent=parent, provider=opts.provider)
    )
    account, partition = identity.account_id, identity.arn.apply(lambda arn: arn.split(":")[1])
    source_arn = pulumi.Output.all(partition, account).apply(
        lambda pa: publisher.source_arn.format(partition=pa[0], region=region, account=pa[1])
    )
    from_publisher = {
        "StringEquals": {"aws:SourceAccount": account},
        "ArnLike": {"aws:SourceArn": source_arn},
    }
    key = aws.kms.Key(
        f"{name}-sns",
        description=f"{name}: encrypts the notification topic {publisher.service} publishes to",
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
                "Sid": "ServicePublishesEncrypted",
                "Effect": "Allow",
                "Principal": {"Service": publisher.service},
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                "Resource": "*",
                "Condition": from_publisher,
            },
        ),
        tags=context.tags(),
        opts=opts,
    )
    # The access policy rides on the topic itself (its ARN is known from the name): no separate
    # TopicPolicy resource.
    arn = pulumi.Output.format("arn:{0}:sns:{1}:{2}:{3}", partition, region, account, name)
    policy = (
        document(
            {
                "Sid": "ServicePublishes",
                "Effect": "Allow",
                "Principal": {"Service": publisher.service},
                "Action": "SNS:Publish",
                "Resource": arn,
                "Condition": from_publisher,
            }
        )
        if publisher.topic_policy
        else None
    )
    return aws.sns.Topic(
        name, name=name, kms_master_key_id=key.arn, policy=policy, tags=context.tags(), opts=opts
    )
