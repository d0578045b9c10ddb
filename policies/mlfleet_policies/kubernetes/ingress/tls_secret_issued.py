"""Every TLS Secret an Ingress names is issued by something in the stack.

A controller serving an Ingress whose TLS Secret does not exist falls back to a default or
self-signed certificate (ingress-nginx) or refuses the Ingress (GKE): clients see a certificate
error or nothing. A `spec.tls[].secretName` counts as issued when, in the Ingress's namespace on
its cluster, the stack has a Secret of that name or a cert-manager Certificate writing it, or the
Ingress (or another Ingress of its namespace naming the same Secret) asks cert-manager for it
(`cert-manager.io/cluster-issuer` naming a ClusterIssuer, or `cert-manager.io/issuer` naming an
Issuer of its namespace, in the stack). An Ingress whose load
balancer holds the certificate (ALB `certificate-arn`, GKE `managed-certificates`) needs no Secret.
Secrets provided outside the stack are declared in the rule's config:
`{"externalSecrets": ["<namespace>/<name>"]}`.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.kubernetes.ingress.cluster import INGRESS, cluster_key, name_of, namespace_of
from mlfleet_policies.props import get, items, mapping
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex

SECRET = "kubernetes:core/v1:Secret"
CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate"
CLUSTER_ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer"
ISSUER = "kubernetes:cert-manager.io/v1:Issuer"
LOAD_BALANCER_CERTIFICATES = (
    "alb.ingress.kubernetes.io/certificate-arn",
    "networking.gke.io/managed-certificates",
)


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    # (cluster, namespace, name) of every Secret the stack creates or has cert-manager write.
    issued = {(cluster_key(s), namespace_of(s), name_of(s)) for s in index.of_type(SECRET)}
    issued |= {
        (cluster_key(c), namespace_of(c), str(get(c.props, "spec.secretName")))
        for c in index.of_type(CERTIFICATE)
        if get(c.props, "spec.secretName")
    }
    cluster_issuers = {(cluster_key(i), name_of(i)) for i in index.of_type(CLUSTER_ISSUER)}
    issuers = {(cluster_key(i), namespace_of(i), name_of(i)) for i in index.of_type(ISSUER)}
    external = {str(s) for s in items(config.get("externalSecrets"))}

    def asks_cert_manager(ingress: PolicyResource) -> bool:
        annotations = dict(mapping(get(ingress.props, "metadata.annotations")))
        cluster, namespace = cluster_key(ingress), namespace_of(ingress)
        cluster_issuer = annotations.get("cert-manager.io/cluster-issuer")
        issuer = annotations.get("cert-manager.io/issuer")
        return (cluster, cluster_issuer) in cluster_issuers or (cluster, namespace, issuer) in issuers

    # The Secrets cert-manager's ingress-shim writes for an annotated Ingress exist for every Ingress of
    # that namespace naming them (e.g. a gRPC Ingress on the REST Ingress's hosts and Secret).
    shim = [i for i in index.of_type(INGRESS) if asks_cert_manager(i)]
    issued |= {
        (cluster_key(i), namespace_of(i), str(get(tls, "secretName")))
        for i in shim
        for tls in items(get(i.props, "spec.tls"))
        if get(tls, "secretName")
    }
    for ingress in index.of_type(INGRESS):
        annotations = dict(mapping(get(ingress.props, "metadata.annotations")))
        if any(annotations.get(a) for a in LOAD_BALANCER_CERTIFICATES) or ingress in shim:
            continue
        cluster, namespace = cluster_key(ingress), namespace_of(ingress)
        for tls in items(get(ingress.props, "spec.tls")):
            secret = get(tls, "secretName")
            if not isinstance(secret, str) or f"{namespace}/{secret}" in external:
                continue
            if (cluster, namespace, secret) not in issued:
                yield (
                    f"Ingress {name_of(ingress)!r} names TLS Secret {namespace}/{secret} that nothing in the "
                    "stack issues (no Secret, no cert-manager Certificate, no issuer annotation with an "
                    "issuer in the stack)",
                    ingress.urn,
                )


RULE = stack_rule(
    RuleMeta(
        id="k8s-ingress-tls-secret-issued",
        description="Every TLS Secret an Ingress names must be issued by something in the stack.",
        severity=Severity.HIGH,
        remediation=(
            "Have cert-manager issue it (annotate the Ingress with cert-manager.io/cluster-issuer and deploy "
            "the ClusterIssuer in the stack, or add a Certificate with that secretName), let the cloud's "
            "load "
            "balancer hold the certificate (ALB certificate-arn, GKE ManagedCertificate), or list a Secret "
            'provided outside the stack in the rule\'s config {"externalSecrets": ["<namespace>/<name>"]}.'
        ),
        frameworks=("pci-dss", "iso27001"),
        topics=("kubernetes", "ingress", "encryption-in-transit"),
        assumes="outputs",
    ),
    check,
)
