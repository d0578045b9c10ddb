"""The serving edge on GKE: a Google-managed certificate and external-dns (Cloud DNS).

Certificate: a `ManagedCertificate` (networking.gke.io/v1) for the hostname, named on the Ingress
by `networking.gke.io/managed-certificates`. That is GKE's norm for the built-in `gce` Ingress
class: the Google front end holds and renews the certificate, nothing runs in the cluster for it,
and no private key ever exists as a Kubernetes Secret (cert-manager would need a DNS-01 identity
with write access to the zone and a Secret the `gce` controller uploads as a pre-shared
certificate). Google provisions it once the hostname resolves to the Ingress's address, which
external-dns makes true. The controller is GKE's own (`gce`), so nothing is installed for it.

external-dns: its own Google service account through GKE Workload Identity
(`kube-system/external-dns`), with two custom roles instead of `roles/dns.admin` (every Cloud DNS
permission, including zone create/delete and IAM) or the project-wide `roles/dns.reader` the
external-dns tutorial grants (docs/tutorials/gke.md at external-dns-helm-chart-1.21.1):
- on the one managed zone: exactly what its Google provider calls (provider/google/google.go:
  ResourceRecordSets.List, Changes.Create) and what Changes.Create checks per record
  (dns.resourceRecordSets.create/update/delete, Cloud DNS access-control page);
- on the project: `dns.managedZones.list` only (the provider lists the project's zones to find it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.addons.external_dns import NAMESPACE as DNS_NAMESPACE
from components.addons.external_dns import SERVICE_ACCOUNT as DNS_SERVICE_ACCOUNT
from components.addons.external_dns import ExternalDnsValues, external_dns
from components.addons.serving_edge import ServingEdgeArgs, dns_annotations, require
from components.context import PlatformContext, compact_name
from components.errors import ComponentArgumentError
from components.gcp.identities import SA_ANNOTATION, workload_account
from components.target import CloudTarget

MANAGED_CERTIFICATES_ANNOTATION = "networking.gke.io/managed-certificates"
# spec.domains[] maxLength in GoogleCloudPlatform/gke-managed-certs deploy/managedcertificates-crd.yaml.
MAX_DOMAIN = 63
# spec.domains maxItems in the same CRD.
MAX_DOMAINS = 100
# Permissions on the managed zone (custom role granted on the zone only).
ZONE_PERMISSIONS: tuple[str, ...] = (
    "dns.changes.create",
    "dns.changes.get",
    "dns.resourceRecordSets.create",
    "dns.resourceRecordSets.delete",
    "dns.resourceRecordSets.list",
    "dns.resourceRecordSets.update",
)
# Permissions on the project: finding the zone.
PROJECT_PERMISSIONS: tuple[str, ...] = ("dns.managedZones.list",)


def role_id(name: str, purpose: str) -> str:
    """Custom role ids allow letters, digits, `_` and `.` (3-64 characters)."""
    return compact_name(f"{name}-{purpose}", 64).replace("-", "_")


class GcpServingEdge(pulumi.ComponentResource):
    ingress_annotations: Mapping[str, pulumi.Input[str]]
    tls_cluster_issuer: str | None
    ready: Sequence[pulumi.Resource]

    def __init__(
        self,
        name: str,
        args: ServingEdgeArgs,
        target: CloudTarget,
        context: PlatformContext,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:gcp:ServingEdge", name, None, opts)
        managed_zone = require(args.zone.cloud_dns_zone, "gcp", "cloud_dns_zone")
        for host in args.hostnames:
            if len(host) > MAX_DOMAIN:
                raise ComponentArgumentError(
                    "ServingEdge (gcp)",
                    "hostname",
                    f"{host!r} has {len(host)} characters; a ManagedCertificate domain at most {MAX_DOMAIN}",
                    "use a shorter mlfleet:serving.hostname / mlfleet:frontDoor.hostname",
                )
        if len(args.hostnames) > MAX_DOMAINS:
            raise ComponentArgumentError(
                "ServingEdge (gcp)",
                "shared_hostnames",
                f"make {len(args.hostnames)} domains; a ManagedCertificate has at most {MAX_DOMAINS}",
                "serve fewer names",
            )
        dns_project = args.zone.cloud_dns_project or target.project
        on_cluster = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=list(args.depends_on))
        certificate_name = f"{name}-cert"
        certificate = k8s.apiextensions.CustomResource(
            certificate_name,
            api_version="networking.gke.io/v1",
            kind="ManagedCertificate",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=certificate_name, namespace=args.namespace, labels=context.tags()
            ),
            # The cell's own name and, behind a front door, the global name.
            spec={"domains": list(args.hostnames)},
            opts=on_cluster,
        )
        account, binding = workload_account(
            f"{name}-external-dns",
            compact_name(f"{name}-dns", 30),
            f"external-dns ({DNS_NAMESPACE}/{DNS_SERVICE_ACCOUNT}) for zone {managed_zone}",
            DNS_NAMESPACE,
            DNS_SERVICE_ACCOUNT,
            target,
            self,
        )
        member = account.email.apply(lambda email: f"serviceAccount:{email}")
        grants: list[pulumi.Resource] = [binding]
        for purpose, permissions in (("dns-records", ZONE_PERMISSIONS), ("dns-zones", PROJECT_PERMISSIONS)):
            role = gcp.projects.IAMCustomRole(
                f"{name}-{purpose}",
                role_id=role_id(name, purpose),
                title=f"mlfleet external-dns ({purpose})",
                description=f"external-dns of {name}: {', '.join(permissions)}",
                permissions=list(permissions),
                project=dns_project,
                opts=target.opts(self),
            )
            granted = role.role_id.apply(lambda rid: f"projects/{dns_project}/roles/{rid}")
            if purpose == "dns-records":
                grants.append(
                    gcp.dns.DnsManagedZoneIamMember(
                        f"{name}-{purpose}",
                        project=dns_project,
                        managed_zone=managed_zone,
                        role=granted,
                        member=member,
                        opts=target.opts(self),
                    )
                )
            else:
                grants.append(
                    gcp.projects.IAMMember(
                        f"{name}-{purpose}",
                        project=dns_project,
                        role=granted,
                        member=member,
                        opts=target.opts(self),
                    )
                )
        external_dns(
            f"{name}-external-dns",
            ExternalDnsValues(
                provider="google",
                zone=args.zone.domain,
                owner_id=args.owner_id,
                extra_args=[f"--google-project={dns_project}", "--google-zone-visibility=public"],
                service_account_annotations={SA_ANNOTATION: account.email},
            ),
            provider,
            pulumi.ResourceOptions(parent=self, depends_on=[*grants, *args.depends_on]),
        )
        self.ingress_annotations = {
            MANAGED_CERTIFICATES_ANNOTATION: certificate_name,
            **dns_annotations(args),
        }
        self.tls_cluster_issuer = None
        self.ready = [certificate]
        self.register_outputs({"managed_certificate": certificate_name})
