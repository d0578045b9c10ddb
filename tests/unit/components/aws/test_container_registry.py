"""AWS ECR repositories and the KMS key."""

from __future__ import annotations

import json

from tests.unit.components.plans import typed


def test_repositories_are_immutable_scanned_and_kms_encrypted(dev_plan):
    key_arn = typed(dev_plan, "aws:kms/key:Key", "mlfleet-dev-key")["outputs"]["arn"]
    repositories = dev_plan.of_type("aws:ecr/repository:Repository")
    assert sorted(r["name"] for r in repositories) == [
        "mlfleet-dev-images-serving",
        "mlfleet-dev-images-trainer",
    ]
    for repository in repositories:
        inputs = repository["inputs"]
        assert inputs["imageTagMutability"] == "IMMUTABLE"
        assert inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key_arn}]


def test_untagged_images_expire(dev_plan):
    for lifecycle in dev_plan.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy"):
        rule = json.loads(lifecycle["inputs"]["policy"])["rules"][0]
        assert rule["selection"]["tagStatus"] == "untagged"
        assert rule["selection"]["countNumber"] == 7
        assert rule["action"] == {"type": "expire"}


def test_repository_urls_output_keyed_by_image(dev_plan):
    urls = dev_plan.outputs["repositoryUrls"]
    assert set(urls) == {"serving", "trainer"}
    assert urls["serving"].endswith(".amazonaws.com/mlfleet-dev-images-serving")


def test_kms_key_rotates(dev_plan):
    key = typed(dev_plan, "aws:kms/key:Key", "mlfleet-dev-key")["inputs"]
    assert key["enableKeyRotation"] is True
    assert key["rotationPeriodInDays"] == 90
    assert key["deletionWindowInDays"] == 30
    assert (
        typed(dev_plan, "aws:kms/alias:Alias", "mlfleet-dev-key")["inputs"]["name"] == "alias/mlfleet-dev-key"
    )
