"""AWS ContainerRegistry: one private ECR repository per image, immutable tags, scan on push,
KMS-encrypted, untagged images expired by a lifecycle policy."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.aws.encryption_key import AwsEncryptionKey
from components.container_registry import ContainerRegistryArgs
from components.context import PlatformContext
from components.target import CloudTarget


def untagged_expiry_policy(days: int) -> str:
    """ECR lifecycle policy: delete untagged images `days` after they were pushed."""
    rule = {
        "rulePriority": 1,
        "description": f"expire untagged images after {days} days",
        "selection": {
            "tagStatus": "untagged",
            "countType": "sinceImagePushed",
            "countUnit": "days",
            "countNumber": days,
        },
        "action": {"type": "expire"},
    }
    return json.dumps({"rules": [rule]})


class AwsContainerRegistry(pulumi.ComponentResource):
    repository_urls: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        args: ContainerRegistryArgs,
        target: CloudTarget,
        context: PlatformContext,
        key: AwsEncryptionKey,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:aws:ContainerRegistry", name, None, opts)
        self.repository_urls = {}
        for image in args.images:
            repo_name = f"{name}-{image}"
            repository = aws.ecr.Repository(
                repo_name,
                name=repo_name,
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                    scan_on_push=True
                ),
                encryption_configurations=[
                    aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=key.key_arn)
                ],
                force_delete=False,
                tags=context.tags(),
                opts=target.opts(self, protect=args.protect, retain_on_delete=args.protect),
            )
            aws.ecr.LifecyclePolicy(
                repo_name,
                repository=repository.name,
                policy=untagged_expiry_policy(args.untagged_expiry_days),
                opts=target.opts(self),
            )
            self.repository_urls[image] = repository.repository_url
        self.register_outputs({"repository_urls": self.repository_urls})
