"""ACR is private: no anonymous pull (default off)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "anonymousPullEnabled") is True:
        yield "anonymousPullEnabled is true: anyone can pull images"


RULE = resource_rule(
    RuleMeta(
        id="azure-acr-private",
        description="Container registries must not allow anonymous pull.",
        severity=Severity.HIGH,
        remediation="Set anonymous_pull_enabled=False.",
        frameworks=("cis", "iso27001"),
        topics=("azure", "acr", "registry", "public-access"),
    ),
    [
        "azure-native:containerregistry:Registry",
    ],
    check,
)
