"""An Ingress's class has a controller in the stack, on the Ingress's own cluster.

An Ingress whose class nobody serves is accepted by the API server and then ignored: no load
balancer, no address, no error anywhere. The class (spec.ingressClassName, else the legacy
`kubernetes.io/ingress.class` annotation) counts as served when, on the same cluster, the stack has:
- a Helm release of a known controller chart (the class its values name, else the chart's default);
- an IngressClass of that name whose spec.controller is a known controller;
- the cloud's built-in controller: GKE's `gce`/`gce-internal`, the AKS application routing add-on.
A controller the cluster runs outside the stack is declared in the rule's config:
`{"externalClasses": ["nginx"]}` (e.g. a local cluster with its own ingress-nginx).
"""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.kubernetes.ingress.cluster import INGRESS, built_in_classes, cluster_key, name_of
from mlfleet_policies.props import get, items, mapping
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex

HELM = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
INGRESS_CLASS = "kubernetes:networking.k8s.io/v1:IngressClass"
LEGACY_ANNOTATION = "kubernetes.io/ingress.class"
# chart name -> (values path naming the class, the chart's default class):
# aws-load-balancer-controller values.yaml `ingressClass: alb` (v3.5.0);
# ingress-nginx values.yaml `controller.ingressClassResource.name: nginx`.
CONTROLLER_CHARTS: dict[str, tuple[str, str]] = {
    "aws-load-balancer-controller": ("ingressClass", "alb"),
    "ingress-nginx": ("controller.ingressClassResource.name", "nginx"),
}
# IngressClass spec.controller values of those controllers (and the AKS add-on's NGINX).
KNOWN_CONTROLLERS = frozenset(
    {"ingress.k8s.aws/alb", "k8s.io/ingress-nginx", "webapprouting.kubernetes.azure.com/nginx"}
)


def ingress_class(r: PolicyResource) -> str | None:
    # Annotation keys contain dots: read the map, not a dotted path.
    value = get(r.props, "spec.ingressClassName") or mapping(get(r.props, "metadata.annotations")).get(
        LEGACY_ANNOTATION
    )
    return str(value) if value else None


def chart_name(r: PolicyResource) -> str:
    """`eks/aws-load-balancer-controller`, `oci://.../karpenter` -> the chart's own name."""
    return str(get(r.props, "chart", "")).rstrip("/").rsplit("/", 1)[-1]


def served_classes(index: StackIndex) -> dict[str, set[str]]:
    """Classes with a controller in the stack, by cluster."""
    served: dict[str, set[str]] = {}
    for release in index.of_type(*HELM):
        known = CONTROLLER_CHARTS.get(chart_name(release))
        if known is not None:
            path, default = known
            served.setdefault(cluster_key(release), set()).add(
                str(get(release.props, f"values.{path}", default))
            )
    for ingress_class_resource in index.of_type(INGRESS_CLASS):
        if get(ingress_class_resource.props, "spec.controller") in KNOWN_CONTROLLERS:
            served.setdefault(cluster_key(ingress_class_resource), set()).add(name_of(ingress_class_resource))
    return served


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    served = served_classes(index)
    external = {str(c) for c in items(config.get("externalClasses"))}
    for ingress in index.of_type(INGRESS):
        wanted = ingress_class(ingress)
        if wanted is None or wanted in external:
            continue
        if wanted in served.get(cluster_key(ingress), set()) | built_in_classes(index, ingress):
            continue
        yield (
            f"Ingress {name_of(ingress)!r} uses class {wanted!r}, but no controller for it is in the stack "
            "on its cluster (the Ingress would get no load balancer)",
            ingress.urn,
        )


RULE = stack_rule(
    RuleMeta(
        id="k8s-ingress-class-has-controller",
        description="An Ingress's class must have a controller in the stack on the same cluster.",
        severity=Severity.HIGH,
        remediation=(
            "Install the class's controller on the cluster in the same stack (e.g. the AWS Load Balancer "
            "Controller chart for `alb`, ingress-nginx for `nginx`), use the cloud's built-in class "
            "(GKE `gce`, "
            "AKS app routing), or list a controller the cluster runs outside the stack in the rule's config "
            '{"externalClasses": [...]}.'
        ),
        frameworks=("iso27001",),
        topics=("kubernetes", "ingress", "availability"),
        assumes="outputs",
    ),
    check,
)
