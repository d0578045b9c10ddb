"""The serving edge on AKS: cert-manager (ACME DNS-01 in Azure DNS) and external-dns (Azure DNS).

The Ingress controller is the AKS application routing add-on (managed NGINX, class
`webapprouting.kubernetes.azure.com`), which the cluster enables (components/azure/aks_cluster.py):
nothing is installed for it.

Each add-on has its own user-assigned managed identity, federated with the cluster's OIDC issuer for
exactly its service account (workload identity, no secret):
- cert-manager: `DNS Zone Contributor` on the one zone (it writes the `_acme-challenge` TXT record);
- external-dns: `DNS Zone Contributor` on the one zone and `Reader` on the zone's resource group
  (its Azure provider lists the group's zones to find it: external-dns docs/tutorials/azure.md at
  external-dns-helm-chart-1.21.1, "Managed identity using Workload Identity"). It reads its
  tenant/subscription/resource group from `azure.json` in a Secret the stack creates (no
  credential in it: `useWorkloadIdentityExtension`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_azure_native as azure_native
import pulumi_kubernetes as k8s

from components.addons import cert_manager
from components.addons.external_dns import NAMESPACE as DNS_NAMESPACE
from components.addons.external_dns import SERVICE_ACCOUNT as DNS_SERVICE_ACCOUNT
from components.addons.external_dns import ExternalDnsValues, external_dns
from components.addons.helm_release import PinnedChart
from components.addons.serving_edge import ServingEdgeArgs, dns_annotations, require
from components.azure.authorization import assign_role, builtin_role, client_config
from components.azure.identities import CLIENT_ID_ANNOTATION, USE_LABEL, federate, managed_identity
from components.context import PlatformContext
from components.target import CloudTarget

DNS_ZONE_CONTRIBUTOR = "befefa01-2a29-4197-83a8-272ff33ce314"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CLUSTER_ISSUER = "letsencrypt-azure-dns"
AZURE_CONFIG_SECRET = "external-dns-azure"


class AzureServingEdge(pulumi.ComponentResource):
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
        super().__init__("mlfleet:azure:ServingEdge", name, None, opts)
        dns_group = require(args.zone.azure_resource_group, "azure", "azure_resource_group")
        if args.oidc_issuer is None:
            require(None, "azure", "oidc_issuer (the AKS cluster's)")
        subscription = client_config(target).subscription_id
        tenant = client_config(target).tenant_id
        group_scope = subscription.apply(lambda sub: f"/subscriptions/{sub}/resourceGroups/{dns_group}")
        zone_scope = group_scope.apply(
            lambda group: f"{group}/providers/Microsoft.Network/dnszones/{args.zone.domain}"
        )
        on_cluster = pulumi.ResourceOptions(parent=self, provider=provider)

        # cert-manager and its ClusterIssuer.
        issuer_identity, issuer_grants = self._identity(
            f"{name}-cert-manager",
            cert_manager.NAMESPACE,
            cert_manager.SERVICE_ACCOUNT,
            [(DNS_ZONE_CONTRIBUTOR, zone_scope)],
            args,
            target,
            context,
        )
        release = PinnedChart(
            cert_manager.CHART,
            cert_manager.CHART_VERSION,
            cert_manager.REPOSITORY,
            cert_manager.NAMESPACE,
            create_namespace=True,
        ).release(
            f"{name}-cert-manager",
            cert_manager.chart_values({USE_LABEL: "true"}),
            provider,
            pulumi.ResourceOptions(parent=self, depends_on=[*issuer_grants, *args.depends_on]),
        )
        issuer = k8s.apiextensions.CustomResource(
            f"{name}-issuer",
            api_version="cert-manager.io/v1",
            kind="ClusterIssuer",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=CLUSTER_ISSUER, labels=context.tags()),
            spec=cert_manager.azure_dns_issuer_spec(
                args.zone.domain,
                dns_group,
                subscription,
                issuer_identity.client_id,
                f"{CLUSTER_ISSUER}-account-key",
                args.acme_email,
            ),
            # The chart installs the cert-manager.io CRDs.
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[release])),
        )

        # external-dns.
        dns_identity, dns_grants = self._identity(
            f"{name}-external-dns",
            DNS_NAMESPACE,
            DNS_SERVICE_ACCOUNT,
            [(DNS_ZONE_CONTRIBUTOR, zone_scope), (READER, group_scope)],
            args,
            target,
            context,
        )
        config = k8s.core.v1.Secret(
            f"{name}-external-dns-azure",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=AZURE_CONFIG_SECRET, namespace=DNS_NAMESPACE, labels=context.tags()
            ),
            type="Opaque",
            string_data={
                "azure.json": pulumi.Output.all(tenant, subscription).apply(
                    lambda parts: json.dumps(
                        {
                            "tenantId": parts[0],
                            "subscriptionId": parts[1],
                            "resourceGroup": dns_group,
                            "useWorkloadIdentityExtension": True,
                        }
                    )
                )
            },
            opts=on_cluster,
        )
        external_dns(
            f"{name}-external-dns",
            ExternalDnsValues(
                provider="azure",
                zone=args.zone.domain,
                owner_id=args.owner_id,
                service_account_annotations={CLIENT_ID_ANNOTATION: dns_identity.client_id},
                service_account_labels={USE_LABEL: "true"},
                pod_labels={USE_LABEL: "true"},
                # The provider reads /etc/kubernetes/azure.json by default.
                extra_volumes=[{"name": "azure-config-file", "secret": {"secretName": AZURE_CONFIG_SECRET}}],
                extra_volume_mounts=[
                    {"name": "azure-config-file", "mountPath": "/etc/kubernetes", "readOnly": True}
                ],
            ),
            provider,
            pulumi.ResourceOptions(parent=self, depends_on=[config, *dns_grants, *args.depends_on]),
        )
        # cert-manager's ingress-shim certifies every TLS host of the Ingress (the global name too).
        self.ingress_annotations = dns_annotations(args)
        self.tls_cluster_issuer = CLUSTER_ISSUER
        self.ready = [issuer]
        self.register_outputs({"cluster_issuer": CLUSTER_ISSUER})

    def _identity(
        self,
        name: str,
        namespace: str,
        service_account: str,
        roles: list[tuple[str, pulumi.Input[str]]],
        args: ServingEdgeArgs,
        target: CloudTarget,
        context: PlatformContext,
    ) -> tuple[azure_native.managedidentity.UserAssignedIdentity, list[pulumi.Resource]]:
        """The add-on's managed identity, federated for its one service account, with its roles."""
        identity = managed_identity(name, target, context, self)
        assert args.oidc_issuer is not None  # checked in __init__
        subject = f"system:serviceaccount:{namespace}:{service_account}"
        credential = federate(name, identity, args.oidc_issuer, subject, target, self)
        grants: list[pulumi.Resource] = [credential]
        for index, (role, scope) in enumerate(roles):
            grants.append(
                assign_role(
                    f"{name}-{index}", identity.principal_id, builtin_role(target, role), scope, target, self
                )
            )
        return identity, grants
