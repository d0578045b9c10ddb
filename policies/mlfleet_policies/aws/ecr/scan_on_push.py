"""ECR repositories scan images on push (provider default false)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "imageScanningConfiguration.scanOnPush") is not True:
        yield "imageScanningConfiguration.scanOnPush is not true (provider default: false)"


RULE = resource_rule(
    RuleMeta(
        id="aws-ecr-scan-on-push",
        description="ECR repositories must scan images for vulnerabilities on push.",
        severity=Severity.MEDIUM,
        remediation="Set imageScanningConfiguration={'scanOnPush': True} on the aws.ecr.Repository.",
        frameworks=("pci-dss", "iso27001"),
        topics=("aws", "ecr", "registry", "vulnerability"),
    ),
    ["aws:ecr/repository:Repository"],
    check,
)
