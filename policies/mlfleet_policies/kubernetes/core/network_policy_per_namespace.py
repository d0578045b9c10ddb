"""Every namespace that runs workloads also has at least one NetworkPolicy (default deny/allow-list)."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES
from mlfleet_policies.props import get
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    covered = {
        get(p.props, "metadata.namespace")
        for p in index.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    }
    seen: set[str] = set()
    for w in index.of_type(*WORKLOAD_TYPES):
        ns = get(w.props, "metadata.namespace") or "default"
        if ns not in covered and ns not in seen:
            seen.add(ns)
            yield f"namespace {ns!r} runs workloads but has no NetworkPolicy", w.urn


RULE = stack_rule(
    RuleMeta(
        id="k8s-network-policy-per-namespace",
        description="Namespaces with workloads must have a NetworkPolicy.",
        severity=Severity.MEDIUM,
        remediation=(
            "Add a default-deny NetworkPolicy per namespace plus allow rules for the traffic you need."
        ),
        frameworks=("cis", "pci-dss"),
        topics=("kubernetes", "network"),
        assumes="outputs",
    ),
    check,
)
