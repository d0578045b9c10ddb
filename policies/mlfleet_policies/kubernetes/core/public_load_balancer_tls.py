"""No internet-facing LoadBalancer Service serves anything but TLS (443 with a certificate)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.network import port_text
from mlfleet_policies.props import get, items, mapping
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

INTERNAL = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "networking.gke.io/load-balancer-type": "Internal",
    "cloud.google.com/load-balancer-type": "Internal",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
}
TLS_CERT = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert"


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "spec.type") != "LoadBalancer":
        return
    annotations = {str(k): str(v) for k, v in mapping(get(r.props, "metadata.annotations")).items()}
    if any(annotations.get(k, "").lower() == v.lower() for k, v in INTERNAL.items()):
        return
    plain = [port_text(get(p, "port")) for p in items(get(r.props, "spec.ports")) if get(p, "port") != 443]
    if plain:
        yield f"public LoadBalancer exposes non-TLS port(s) {', '.join(plain)}"
    elif TLS_CERT not in annotations and not any("tls" in k or "ssl" in k for k in annotations):
        yield "public LoadBalancer on 443 without a TLS certificate annotation (raw TCP passthrough)"


RULE = resource_rule(
    RuleMeta(
        id="k8s-no-public-lb-without-tls",
        description="Internet-facing LoadBalancer Services must serve only TLS.",
        severity=Severity.HIGH,
        remediation=(
            "Make the Service internal (cloud annotation) behind the HTTPS front door/ingress, or "
            "expose only 443 with a certificate."
        ),
        frameworks=("pci-dss", "hipaa", "gdpr"),
        topics=("kubernetes", "serving", "network", "tls"),
    ),
    [
        "kubernetes:core/v1:Service",
    ],
    check,
)
