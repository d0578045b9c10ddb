"""No AdministratorAccess-class managed policy attached to any role, user or group."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")


def check(r: Resource) -> Iterator[str]:
    arn = str(get(r.props, "policyArn", ""))
    if arn.rsplit("/", 1)[-1] in ADMIN_POLICIES:
        yield f"attaches the admin-class managed policy {arn}"


RULE = resource_rule(
    RuleMeta(
        id="aws-iam-no-admin-policies",
        description="Admin-class AWS managed policies must not be attached.",
        severity=Severity.CRITICAL,
        remediation="Attach a customer-managed policy that lists the needed actions and resources.",
        frameworks=("cis", "pci-dss", "hipaa", "iso27001"),
        topics=("aws", "iam", "least-privilege"),
    ),
    [
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
    ],
    check,
)
