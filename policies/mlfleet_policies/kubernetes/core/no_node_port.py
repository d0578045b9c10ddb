"""Services are not exposed on every node's address (type NodePort)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "spec.type") == "NodePort":
        yield f"Service {get(r.props, 'metadata.name', r.name)!r} is of type NodePort"


RULE = resource_rule(
    RuleMeta(
        id="k8s-no-node-port",
        description="Services must not be of type NodePort.",
        severity=Severity.MEDIUM,
        remediation="Use ClusterIP behind an Ingress, or an internal LoadBalancer.",
        frameworks=("cis", "pci-dss"),
        topics=("kubernetes", "network"),
    ),
    ["kubernetes:core/v1:Service"],
    check,
)
