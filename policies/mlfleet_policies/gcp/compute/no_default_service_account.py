"""Instances do not run as the Compute Engine default service account with the cloud-platform scope (Editor
on the whole project)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

FULL = {"cloud-platform", "https://www.googleapis.com/auth/cloud-platform"}


def check(r: Resource) -> Iterator[str]:
    email = str(get(r.props, "serviceAccount.email", ""))
    default = email in ("", "default") or email.endswith("-compute@developer.gserviceaccount.com")
    if default and FULL & set(strings(get(r.props, "serviceAccount.scopes"))):
        yield "runs as the default compute service account with the cloud-platform scope"


RULE = resource_rule(
    RuleMeta(
        id="gcp-compute-no-default-sa-full-scopes",
        description="Instances must not use the default service account with full API access.",
        severity=Severity.HIGH,
        remediation=(
            "Create a dedicated service account with the roles the VM needs and set serviceAccount.email."
        ),
        frameworks=("cis", "iso27001"),
        topics=("gcp", "compute", "least-privilege"),
    ),
    ["gcp:compute/instance:Instance", "gcp:compute/instanceTemplate:InstanceTemplate"],
    check,
)
