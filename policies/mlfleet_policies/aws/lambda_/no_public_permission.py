"""Lambda permissions never let any principal invoke a function without a source condition."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if str(get(r.props, "principal")) != "*":
        return
    if not (get(r.props, "sourceArn") or get(r.props, "sourceAccount") or get(r.props, "principalOrgId")):
        yield f"grants {get(r.props, 'action')} to principal '*' with no source condition"


RULE = resource_rule(
    RuleMeta(
        id="aws-lambda-no-public-permission",
        description="Lambda permissions must not grant invocation to everyone.",
        severity=Severity.CRITICAL,
        remediation="Name the service or account principal and restrict it with sourceArn or sourceAccount.",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("aws", "lambda", "public-access"),
    ),
    ["aws:lambda/permission:Permission"],
    check,
)
