"""Workload identity federation providers restrict which external identities may exchange tokens."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if not get(r.props, "attributeCondition"):
        yield "attributeCondition is empty: any identity from the issuer can impersonate"


RULE = resource_rule(
    RuleMeta(
        id="gcp-iam-oidc-attribute-condition",
        description="Workload identity pool providers must set an attribute condition.",
        severity=Severity.HIGH,
        remediation="Set attribute_condition, e.g. \"assertion.repository == 'org/repo'\".",
        frameworks=("cis", "iso27001"),
        topics=("gcp", "iam", "oidc"),
    ),
    [
        "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
    ],
    check,
)
