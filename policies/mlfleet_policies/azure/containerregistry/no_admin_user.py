"""ACR admin user off (a static shared password; API default false)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "adminUserEnabled") is True:
        yield "adminUserEnabled is true (static registry credentials)"


RULE = resource_rule(
    RuleMeta(
        id="azure-acr-no-admin-user",
        description="Container registries must not enable the admin user.",
        severity=Severity.HIGH,
        remediation="Set admin_user_enabled=False; grant AcrPull/AcrPush to managed identities.",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "acr", "registry", "credentials"),
    ),
    [
        "azure-native:containerregistry:Registry",
    ],
    check,
)
