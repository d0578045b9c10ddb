"""Key Vault keys carry a rotation policy with a Rotate action."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    actions = [
        get(a, "action.type") for a in items(get(r.props, "properties.rotationPolicy.lifetimeActions"))
    ]
    if not any(str(a).lower() == "rotate" for a in actions):
        yield "properties.rotationPolicy has no lifetime action of type 'rotate'"


RULE = resource_rule(
    RuleMeta(
        id="azure-keyvault-key-rotation",
        description="Key Vault keys must have an automatic rotation policy.",
        severity=Severity.HIGH,
        remediation=(
            "Set properties.rotation_policy with lifetime_actions=[{'action': {'type': 'rotate'}, "
            "'trigger': {'time_after_create': 'P90D'}}]."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "keyvault", "keys"),
    ),
    [
        "azure-native:keyvault:Key",
    ],
    check,
)
