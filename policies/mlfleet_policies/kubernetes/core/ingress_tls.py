"""Ingresses terminate TLS: spec.tls, or the controller's certificate annotations (AWS ALB, GKE, Azure
Application Gateway)."""

import json
from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, items, mapping
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

CERTIFICATE_ANNOTATIONS = (
    "alb.ingress.kubernetes.io/certificate-arn",
    "networking.gke.io/managed-certificates",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "appgw.ingress.kubernetes.io/appgw-ssl-certificate",
)
ALB_PORTS = "alb.ingress.kubernetes.io/listen-ports"


def alb_https_only(annotations: dict) -> bool:
    """The ALB controller listens only on HTTPS (certificates discovered from ACM by host)."""
    try:
        ports = json.loads(str(annotations.get(ALB_PORTS, "")))
    except ValueError:
        return False
    return bool(ports) and all(isinstance(p, dict) and set(p) == {"HTTPS"} for p in ports)


def check(r: Resource) -> Iterator[str]:
    annotations = dict(mapping(get(r.props, "metadata.annotations")))
    if items(get(r.props, "spec.tls")) or any(annotations.get(a) for a in CERTIFICATE_ANNOTATIONS):
        return
    if alb_https_only(annotations):
        return
    yield f"Ingress {get(r.props, 'metadata.name', r.name)!r} serves plain HTTP (no spec.tls or certificate)"


RULE = resource_rule(
    RuleMeta(
        id="k8s-ingress-tls",
        description="Ingresses must terminate TLS.",
        severity=Severity.HIGH,
        remediation=(
            "Add spec.tls with a certificate Secret (e.g. from cert-manager), or the controller's managed"
            " certificate."
        ),
        frameworks=("pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("kubernetes", "network", "encryption-in-transit"),
    ),
    ["kubernetes:networking.k8s.io/v1:Ingress"],
    check,
)
