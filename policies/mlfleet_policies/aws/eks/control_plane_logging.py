"""EKS control-plane logs for api, audit and authenticator go to CloudWatch (none by default)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

REQUIRED = ("api", "audit", "authenticator")


def check(r: Resource) -> Iterator[str]:
    enabled = strings(get(r.props, "enabledClusterLogTypes"))
    missing = [t for t in REQUIRED if t not in enabled]
    if missing:
        yield f"enabledClusterLogTypes lacks {', '.join(missing)}"


RULE = resource_rule(
    RuleMeta(
        id="aws-eks-control-plane-logging",
        description="EKS clusters must send api, audit and authenticator logs to CloudWatch.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set enabledClusterLogTypes=['api', 'audit', 'authenticator'] (add controllerManager, "
            "scheduler as needed)."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "iso27001"),
        topics=("aws", "eks", "cluster", "logging"),
    ),
    ["aws:eks/cluster:Cluster"],
    check,
)
