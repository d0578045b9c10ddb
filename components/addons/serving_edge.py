"""ServingEdge: what makes the serving Ingress reachable over TLS under its hostname, per cloud.

Same shape on every cloud (`mlfleet:<cloud>:ServingEdge`): a certificate for the hostname, the
Ingress controller where the cloud does not run one itself, and external-dns writing the hostname's
record into the stack's zone, each add-on with its own least-privilege identity. What the serving
Ingress must carry to use them comes back as `ingress_annotations` (+ `tls_cluster_issuer` where
cert-manager fills the Ingress's TLS Secret).

Behind a front door the edge also serves the stack's global name (`shared_hostnames`): the certificate
covers it and the Ingress routes it, but external-dns publishes only the cell's own name, because the
front door owns the global name's records (external_dns.publish_only).

| cloud | certificate | controller | DNS |
| --- | --- | --- | --- |
| aws | ACM, DNS-validated in Route 53 | AWS Load Balancer Controller | external-dns, Route 53 |
| gcp | Google-managed (ManagedCertificate) | GKE's built-in `gce` | external-dns, Cloud DNS |
| azure | cert-manager, ACME DNS-01 in Azure DNS | AKS app routing (managed NGINX) | external-dns, Azure DNS |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import pulumi

from components.errors import ComponentArgumentError

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s

    from components.context import Cloud, PlatformContext
    from components.target import CloudTarget


@dataclass(frozen=True)
class DnsZone:
    """The stack's public zone (exists already) as each cloud names it."""

    domain: str
    route53_zone_id: str | None = None
    cloud_dns_zone: str | None = None
    cloud_dns_project: str | None = None
    azure_resource_group: str | None = None


@dataclass(frozen=True)
class ServingEdgeArgs:
    hostname: str
    zone: DnsZone
    # external-dns TXT owner: unique per stack and cell, so instances sharing a zone never collide.
    owner_id: str
    # The serving Ingress's namespace (GKE's ManagedCertificate must be in it).
    namespace: str
    cluster_name: pulumi.Input[str]
    # AWS: the cluster's VPC (the controller's vpcId).
    vpc_id: pulumi.Input[str] | None = None
    # Azure: the cluster's OIDC issuer (federated credentials of cert-manager and external-dns).
    oidc_issuer: pulumi.Input[str] | None = None
    # ACME account contact (Azure, Let's Encrypt expiry notices); optional.
    acme_email: str | None = None
    # What the add-ons wait for (the cluster, with its Pod Identity agent / system pool).
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)
    # Names every cell serves (the front door's global hostname): certified and routed here, their
    # records owned by the front door, never by this cell's external-dns.
    shared_hostnames: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        domain = self.zone.domain
        for where, name in (
            ("hostname", self.hostname),
            *(("shared_hostnames", h) for h in self.shared_hostnames),
        ):
            if name != domain and not name.endswith("." + domain):
                raise ComponentArgumentError(
                    "ServingEdge",
                    where,
                    f"is {name!r}, outside the zone {domain!r}",
                    "use names inside the zone (mlfleet:serving.hostname, mlfleet:frontDoor.hostname, "
                    "mlfleet:dns.zone)",
                )
        if self.hostname in self.shared_hostnames:
            raise ComponentArgumentError(
                "ServingEdge", "shared_hostnames", f"repeat the cell's own {self.hostname!r}", "drop it"
            )

    @property
    def hostnames(self) -> tuple[str, ...]:
        """Every name the edge certifies and routes: the cell's own first."""
        return (self.hostname, *self.shared_hostnames)


class ServingEdge(Protocol):
    # Annotations the serving Ingress carries (certificate, managed certificate).
    ingress_annotations: Mapping[str, pulumi.Input[str]]
    # cert-manager ClusterIssuer that fills the Ingress's TLS Secret; None where the cloud's
    # load balancer holds the certificate.
    tls_cluster_issuer: str | None
    # What the Ingress waits for (controller, certificate), so its load balancer comes up complete.
    ready: Sequence[pulumi.Resource]


def serving_edge(
    name: str,
    cloud: Cloud,
    args: ServingEdgeArgs,
    target: CloudTarget,
    context: PlatformContext,
    provider: k8s.Provider,
    opts: pulumi.ResourceOptions | None = None,
) -> ServingEdge:
    if cloud == "aws":
        from components.addons.aws_serving_edge import AwsServingEdge

        return AwsServingEdge(name, args, target, context, provider, opts)
    if cloud == "gcp":
        from components.addons.gcp_serving_edge import GcpServingEdge

        return GcpServingEdge(name, args, target, context, provider, opts)
    if cloud == "azure":
        from components.addons.azure_serving_edge import AzureServingEdge

        return AzureServingEdge(name, args, target, context, provider, opts)
    raise ComponentArgumentError(
        "ServingEdge", "cloud", f"is {cloud!r}", "the edge is built on aws, gcp and azure only"
    )


def dns_annotations(args: ServingEdgeArgs) -> dict[str, str]:
    """The serving Ingress's external-dns annotations: behind a front door, publish the cell's own name
    only (the Ingress routes the global name too, whose records the front door owns)."""
    if not args.shared_hostnames:
        return {}
    from components.addons.external_dns import publish_only

    return publish_only([args.hostname])


def require(value: str | None, cloud: str, what: str) -> str:
    """A zone field the cloud needs (the config layer checks it first; this guards direct callers)."""
    if not value:
        raise ComponentArgumentError("ServingEdge", f"zone.{what}", f"is required on {cloud}", f"pass {what}")
    return value
