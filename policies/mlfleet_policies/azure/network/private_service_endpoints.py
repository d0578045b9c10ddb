"""In a stack with an AKS cluster, every container registry, key vault and storage account closed to
public networks has a private endpoint: otherwise the cluster cannot reach it (kubelet image pulls,
pods reading blobs or signing with Key Vault are no "trusted Azure service"; see
components/azure/private_endpoints.py for the sources).

A PrivateEndpoint names its service in privateLinkServiceConnections[].privateLinkServiceId (or
manualPrivateLinkServiceConnections); under the offline engine the id may only be known through the
endpoint's property dependency on the service, so both count.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex

CLUSTER = "azure-native:containerservice:ManagedCluster"
ENDPOINT = "azure-native:network:PrivateEndpoint"
CONNECTIONS = ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections")
# Closed service type -> (where its network default action lives, the private link group id to add).
SERVICES = {
    "azure-native:containerregistry:Registry": ("networkRuleSet.defaultAction", "registry"),
    "azure-native:keyvault:Vault": ("properties.networkAcls.defaultAction", "vault"),
    "azure-native:storage:StorageAccount": ("networkRuleSet.defaultAction", "blob"),
}


def _closed(resource: PolicyResource, default_action: str) -> bool:
    """Public network access Disabled, or a default-deny firewall without VNet rules."""
    access = get(resource.props, "publicNetworkAccess") or get(
        resource.props, "properties.publicNetworkAccess"
    )
    if str(access or "").lower() == "disabled":
        return True
    vnet_rules = get(resource.props, default_action.rsplit(".", 1)[0] + ".virtualNetworkRules")
    return str(get(resource.props, default_action, "")).lower() == "deny" and not vnet_rules


def _connects(endpoint: PolicyResource, service: PolicyResource) -> bool:
    service_id = get(service.props, "id")
    for prop in CONNECTIONS:
        for connection in get(endpoint.props, prop) or []:
            if (
                service_id
                and isinstance(connection, Mapping)
                and connection.get("privateLinkServiceId") == service_id
            ):
                return True
        if any(dep.urn == service.urn for dep in endpoint.property_dependencies.get(prop, [])):
            return True
    return False


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    if not index.of_type(CLUSTER):
        return
    endpoints = index.of_type(ENDPOINT)
    for type_, (default_action, group) in SERVICES.items():
        for service in index.of_type(type_):
            if not _closed(service, default_action) or any(_connects(e, service) for e in endpoints):
                continue
            yield (
                f"{service.name} ({type_.rsplit(':', 1)[-1]}) is closed to public networks but has no "
                f"private endpoint: the AKS cluster cannot reach it; add a PrivateEndpoint in the cluster "
                f"VNet with groupIds [{group}] and its privatelink DNS zone",
                service.urn,
            )


RULE = stack_rule(
    RuleMeta(
        id="azure-private-service-endpoint",
        description=(
            "In a stack with an AKS cluster, registries, key vaults and storage accounts closed to public "
            "networks must have a private endpoint."
        ),
        severity=Severity.HIGH,
        remediation=(
            "Add an azure-native network.PrivateEndpoint in the cluster VNet whose "
            "privateLinkServiceConnections name the resource's id with groupIds registry / vault / blob, "
            "a privatedns.PrivateZone (privatelink.azurecr.io / privatelink.vaultcore.azure.net / "
            "privatelink.blob.core.windows.net) linked to the VNet, and a PrivateDnsZoneGroup on the "
            "endpoint (components/private_access.py does this for the stack's own services)."
        ),
        frameworks=("cis", "iso27001"),
        topics=("azure", "network", "privatelink", "aks"),
        assumes="outputs",
    ),
    check,
)
