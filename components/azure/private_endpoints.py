"""Azure PrivateAccess: a private endpoint per closed service in the cluster VNet's endpoint subnet,
one `privatelink.*` private DNS zone per service kind linked to that VNet, and a DNS zone group on
each endpoint so Azure writes (and removes) the zone's A records.

Why it is needed: the registry (public network access Disabled), the vault (Disabled, default Deny)
and the storage account (default Deny) admit only private endpoints and "trusted Azure services",
which are instances of listed multi-tenant services acting with their own managed identity
(learn.microsoft.com/azure/container-registry/allow-access-trusted-services). AKS kubelet pulls and
pod traffic come from the VNet and are neither, so without these the cluster cannot pull images,
read or write blobs, or sign with the key.

Zone names and group ids: learn.microsoft.com/azure/private-link/private-endpoint-dns ("Azure
Private Endpoint private DNS zone values": Microsoft.ContainerRegistry/registries registry ->
privatelink.azurecr.io, Microsoft.KeyVault/vaults vault -> privatelink.vaultcore.azure.net,
Microsoft.Storage/storageAccounts blob -> privatelink.blob.core.windows.net). Only `blob`: the
registry library's adlfs 2026.8 talks to https://<account>.blob.core.windows.net (adlfs/spec.py
builds account_url from ".blob.core.windows.net"), never the dfs endpoint.

Classes (pulumi-azure-native 3.29): network.PrivateEndpoint, network.PrivateDnsZoneGroup, and
privatedns.PrivateZone / privatedns.VirtualNetworkLink (private DNS zones live in `privatedns` in
3.x; `network:PrivateZone` is only an alias).
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from components.context import PlatformContext
from components.private_access import PrivateAccessArgs, ServiceKind
from components.target import CloudTarget

# Private link group id and private DNS zone per service kind (sources in the module docstring).
GROUP_IDS: dict[ServiceKind, str] = {"registry": "registry", "vault": "vault", "blob": "blob"}
ZONES: dict[ServiceKind, str] = {
    "registry": "privatelink.azurecr.io",
    "vault": "privatelink.vaultcore.azure.net",
    "blob": "privatelink.blob.core.windows.net",
}
# Private DNS zones and their VNet links are global resources.
GLOBAL = "global"


class AzurePrivateEndpoints(pulumi.ComponentResource):
    endpoint_ids: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        args: PrivateAccessArgs,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:azure:PrivateAccess", name, None, opts)
        child = target.opts(self)
        group = target.resource_group_name or ""
        zones: dict[ServiceKind, azure_native.privatedns.PrivateZone] = {}
        for kind in dict.fromkeys(s.kind for s in args.services.values()):
            zones[kind] = azure_native.privatedns.PrivateZone(
                f"{name}-{kind}",
                private_zone_name=ZONES[kind],
                resource_group_name=group,
                location=GLOBAL,
                tags=context.tags(),
                opts=child,
            )
            # Resolution only: the endpoints' A records come from their zone groups.
            azure_native.privatedns.VirtualNetworkLink(
                f"{name}-{kind}",
                virtual_network_link_name=f"{name}-{kind}",
                private_zone_name=zones[kind].name,
                resource_group_name=group,
                location=GLOBAL,
                virtual_network=azure_native.privatedns.SubResourceArgs(id=args.network_id),
                registration_enabled=False,
                tags=context.tags(),
                opts=child,
            )
        self.endpoint_ids = {}
        for service_name, service in args.services.items():
            endpoint_name = f"{name}-{service_name}"
            endpoint = azure_native.network.PrivateEndpoint(
                endpoint_name,
                private_endpoint_name=endpoint_name,
                resource_group_name=group,
                location=target.region,
                subnet=azure_native.network.SubnetArgs(id=args.subnet_id),
                # Automatic approval: the deployer holds <service>/privateEndpointConnectionsApproval/action
                # (components/azure/deployer_permissions.py).
                private_link_service_connections=[
                    azure_native.network.PrivateLinkServiceConnectionArgs(
                        name=endpoint_name,
                        private_link_service_id=service.resource_id,
                        group_ids=[GROUP_IDS[service.kind]],
                    )
                ],
                tags=context.tags(),
                opts=child,
            )
            azure_native.network.PrivateDnsZoneGroup(
                endpoint_name,
                private_dns_zone_group_name="default",
                private_endpoint_name=endpoint.name,
                resource_group_name=group,
                private_dns_zone_configs=[
                    azure_native.network.PrivateDnsZoneConfigArgs(
                        name=service.kind, private_dns_zone_id=zones[service.kind].id
                    )
                ],
                opts=child,
            )
            self.endpoint_ids[service_name] = endpoint.id
        self.register_outputs({"endpoint_ids": self.endpoint_ids})
