"""Namespaced Kubernetes objects do not land in `default` (a missing namespace means the provider's
namespace, else default)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "PersistentVolume",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "RuntimeClass",
    "IngressClass",
    "APIService",
    # Karpenter's (karpenter.sh/v1, karpenter.k8s.aws/v1) and the cluster autoscaling kinds
    "NodePool",
    "NodeClaim",
    "EC2NodeClass",
    "AKSNodeClass",
}


def check(r: Resource) -> Iterator[str]:
    if not r.type.startswith("kubernetes:"):
        return
    kind = r.type.rsplit(":", 1)[-1]
    if (
        kind in CLUSTER_SCOPED
        or kind.endswith("List")
        or r.type.startswith("kubernetes:helm.sh")
        or r.type.startswith("kubernetes:yaml")
    ):
        return
    namespace = get(r.props, "metadata.namespace") or get(r.provider_props, "namespace") or "default"
    if namespace == "default":
        yield f"{kind} {get(r.props, 'metadata.name', r.name)!r} is in the default namespace"


RULE = resource_rule(
    RuleMeta(
        id="k8s-no-default-namespace",
        description="Kubernetes objects must not be created in the default namespace.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set metadata.namespace to the platform's namespace (or the provider's namespace option)."
        ),
        frameworks=("cis",),
        topics=("kubernetes", "isolation"),
    ),
    None,
    check,
)
