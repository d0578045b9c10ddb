"""Roles assumable through OIDC (sts:AssumeRoleWithWebIdentity) pin the token's `sub` and `aud`."""

from collections.abc import Iterator, Mapping

from pulumi_policy import Severity

from mlfleet_policies.iam_documents import actions, allows
from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def condition_keys(statement: Mapping[str, object]) -> list[str]:
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return []
    return [str(k) for op in condition.values() if isinstance(op, Mapping) for k in op]


def check(r: Resource) -> Iterator[str]:
    for statement in allows(get(r.props, "assumeRolePolicy")):
        if "sts:AssumeRoleWithWebIdentity" not in actions(statement):
            continue
        keys = condition_keys(statement)
        missing = [claim for claim in (":sub", ":aud") if not any(k.endswith(claim) for k in keys)]
        if missing:
            yield f"web-identity trust has no condition on the token's {' and '.join(c[1:] for c in missing)}"


RULE = resource_rule(
    RuleMeta(
        id="aws-iam-oidc-trust-conditions",
        description="OIDC-federated roles must restrict who may assume them (sub and aud conditions).",
        severity=Severity.HIGH,
        remediation=(
            'Add Condition StringEquals/StringLike on "<issuer>:sub" (repo/service account) and '
            '"<issuer>:aud".'
        ),
        frameworks=("cis", "iso27001"),
        topics=("aws", "iam", "oidc"),
    ),
    ["aws:iam/role:Role"],
    check,
)
