"""In prod every serving Deployment is covered by a PodDisruptionBudget selecting its pods."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.kubernetes.serving.selection import is_serving
from mlfleet_policies.kubernetes.workloads import pod_labels
from mlfleet_policies.props import get, is_production, mapping, merged_tags
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex

PDB = "kubernetes:policy/v1:PodDisruptionBudget"


def covers(pdb: PolicyResource, deployment: PolicyResource) -> bool:
    if get(pdb.props, "metadata.namespace") != get(deployment.props, "metadata.namespace"):
        return False
    wanted = mapping(get(pdb.props, "spec.selector.matchLabels"))
    labels = pod_labels(deployment.resource_type, deployment.props)
    return bool(wanted) and all(labels.get(str(k)) == str(v) for k, v in wanted.items())


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    pdbs = index.of_type(PDB)
    for d in index.of_type("kubernetes:apps/v1:Deployment"):
        labels = merged_tags(get(d.props, "metadata.labels"))
        if is_serving(d.resource_type, d.props) and is_production(
            labels, config or {"environment": index.environment()}
        ):
            if not any(covers(p, d) for p in pdbs):
                yield (
                    (
                        f"serving Deployment {get(d.props, 'metadata.name', d.name)!r} has no "
                        f"PodDisruptionBudget"
                    ),
                    d.urn,
                )


RULE = stack_rule(
    RuleMeta(
        id="k8s-serving-pdb-in-prod",
        description="Serving Deployments in prod must have a PodDisruptionBudget.",
        severity=Severity.HIGH,
        remediation=(
            "Add a policy/v1 PodDisruptionBudget with minAvailable 1 (or maxUnavailable 1) selecting "
            "the serving pods."
        ),
        frameworks=("iso27001",),
        topics=("kubernetes", "serving", "reliability"),
        assumes="outputs",
    ),
    check,
)
