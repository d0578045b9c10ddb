"""What the CI deployer may do on Azure: for each resource type the program creates, the Azure RBAC
actions its create/read/update/delete needs. The deployer's custom role (assignable only on the
stack's resource group) is generated from this table (`actions`); tests/unit/components/
test_deployer_permissions.py fails for any type in a stack's plan without a row here.

Source: Azure resource provider operations,
https://learn.microsoft.com/azure/role-based-access-control/resource-provider-operations
(Microsoft.Storage, Microsoft.KeyVault, Microsoft.ContainerRegistry, Microsoft.ContainerService,
Microsoft.ManagedIdentity, Microsoft.Network (incl. privateDnsZones), Microsoft.Insights, Microsoft.Monitor,
Microsoft.AlertsManagement, Microsoft.OperationalInsights, Microsoft.Consumption,
Microsoft.Authorization, Microsoft.Resources).
"""

from __future__ import annotations

from collections.abc import Iterable

from components.deployer_grants import union

GROUP_READ = ("Microsoft.Resources/subscriptions/resourceGroups/read",)


def _rwd(resource: str, *extra: str) -> tuple[str, ...]:
    return (f"{resource}/read", f"{resource}/write", f"{resource}/delete", *extra)


TYPE_ACTIONS: dict[str, tuple[str, ...]] = {
    "azure-native:alertsmanagement:PrometheusRuleGroup": _rwd(
        "Microsoft.AlertsManagement/prometheusRuleGroups"
    ),
    "azure-native:authorization:RoleAssignment": _rwd("Microsoft.Authorization/roleAssignments"),
    "azure-native:authorization:RoleDefinition": _rwd("Microsoft.Authorization/roleDefinitions"),
    "azure-native:consumption:Budget": _rwd("Microsoft.Consumption/budgets"),
    # Plus `az acr build --agent-pool` (`mlfleet images push`, components/image_push.py): upload the
    # build context, schedule the run, follow it and its log (Azure resource provider operations,
    # Microsoft.ContainerRegistry: registries/listBuildSourceUploadUrl/action, scheduleRun/action,
    # runs/read, runs/listLogSasUrl/action).
    "azure-native:containerregistry:Registry": _rwd(
        "Microsoft.ContainerRegistry/registries",
        "Microsoft.ContainerRegistry/registries/listBuildSourceUploadUrl/action",
        "Microsoft.ContainerRegistry/registries/scheduleRun/action",
        "Microsoft.ContainerRegistry/registries/runs/read",
        "Microsoft.ContainerRegistry/registries/runs/listLogSasUrl/action",
    ),
    # The ACR Tasks agent pool in the cell's VNet (components/azure/acr_agent_pool.py).
    "azure-native:containerregistry:AgentPool": _rwd(
        "Microsoft.ContainerRegistry/registries/agentpools",
        "Microsoft.Network/virtualNetworks/subnets/join/action",
    ),
    "azure-native:containerservice:AgentPool": _rwd(
        "Microsoft.ContainerService/managedClusters/agentPools",
        "Microsoft.Network/virtualNetworks/subnets/join/action",
    ),
    # The cluster runs as user-assigned identities in a subnet of the stack's network.
    "azure-native:containerservice:ManagedCluster": _rwd(
        "Microsoft.ContainerService/managedClusters",
        "Microsoft.Network/virtualNetworks/subnets/join/action",
        "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
    ),
    "azure-native:keyvault:Key": (
        "Microsoft.KeyVault/vaults/keys/read",
        "Microsoft.KeyVault/vaults/keys/write",
    ),
    "azure-native:keyvault:Vault": _rwd(
        "Microsoft.KeyVault/vaults", "Microsoft.KeyVault/vaults/deploy/action"
    ),
    "azure-native:managedidentity:FederatedIdentityCredential": _rwd(
        "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
    ),
    "azure-native:managedidentity:UserAssignedIdentity": _rwd(
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
    ),
    "azure-native:monitor:ActionGroup": _rwd("Microsoft.Insights/actionGroups"),
    "azure-native:monitor:AzureMonitorWorkspace": _rwd("Microsoft.Monitor/accounts"),
    "azure-native:monitor:DataCollectionEndpoint": _rwd("Microsoft.Insights/dataCollectionEndpoints"),
    "azure-native:monitor:DataCollectionRule": _rwd("Microsoft.Insights/dataCollectionRules"),
    "azure-native:monitor:DataCollectionRuleAssociation": _rwd(
        "Microsoft.Insights/dataCollectionRuleAssociations"
    ),
    "azure-native:monitor:DiagnosticSetting": _rwd("Microsoft.Insights/diagnosticSettings"),
    # A private endpoint joins its subnet; creating it against the registry, vault or storage account
    # auto-approves the connection, which takes <provider>/privateEndpointConnectionsApproval/action
    # on that resource (resource-provider-operations: Microsoft.KeyVault/vaults/
    # PrivateEndpointConnectionsApproval/action "Approve or reject a connection to a Private Endpoint").
    "azure-native:network:PrivateEndpoint": _rwd(
        "Microsoft.Network/privateEndpoints",
        "Microsoft.Network/virtualNetworks/subnets/join/action",
        "Microsoft.ContainerRegistry/registries/privateEndpointConnectionsApproval/action",
        "Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action",
        "Microsoft.Storage/storageAccounts/privateEndpointConnectionsApproval/action",
    ),
    # A DNS zone group writes the endpoint's A record into the zone (privateDnsZones/join/action).
    "azure-native:network:PrivateDnsZoneGroup": _rwd(
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "Microsoft.Network/privateDnsZones/join/action",
    ),
    "azure-native:network:Subnet": _rwd("Microsoft.Network/virtualNetworks/subnets"),
    "azure-native:network:VirtualNetwork": _rwd("Microsoft.Network/virtualNetworks"),
    "azure-native:operationalinsights:Workspace": _rwd("Microsoft.OperationalInsights/workspaces"),
    # Private DNS zones and their VNet links: the actions of the built-in "Private DNS Zone
    # Contributor" role (Microsoft.Network/privateDnsZones/*, virtualNetworks/join/action to link one).
    "azure-native:privatedns:PrivateZone": _rwd("Microsoft.Network/privateDnsZones"),
    "azure-native:privatedns:VirtualNetworkLink": _rwd(
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "Microsoft.Network/virtualNetworks/join/action",
    ),
    # The role is assignable on the group only: the deployer reads its group; creating or deleting
    # the group itself is the bootstrap admin's (docs/delivery.md "Bootstrap").
    "azure-native:resources:ResourceGroup": GROUP_READ,
    "azure-native:storage:BlobContainer": _rwd("Microsoft.Storage/storageAccounts/blobServices/containers"),
    "azure-native:storage:BlobServiceProperties": (
        "Microsoft.Storage/storageAccounts/blobServices/read",
        "Microsoft.Storage/storageAccounts/blobServices/write",
    ),
    "azure-native:storage:ManagementPolicy": _rwd("Microsoft.Storage/storageAccounts/managementPolicies"),
    "azure-native:storage:StorageAccount": _rwd("Microsoft.Storage/storageAccounts"),
}

# Kubernetes objects: the deployer fetches the cluster's user kubeconfig; AKS then authorizes with
# Entra ID + Kubernetes RBAC (docs/delivery.md "Cluster access").
CLUSTER_ACCESS: tuple[str, ...] = (
    "Microsoft.ContainerService/managedClusters/read",
    "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
)


# Kubernetes objects themselves: the AKS cluster authorizes the Kubernetes API with Azure RBAC
# (components/azure/aks_cluster.py: aad_profile enable_azure_rbac, local accounts disabled), so the
# custom role carries data actions on the group's clusters. Custom resources can only be covered by
# wildcards (https://learn.microsoft.com/azure/aks/manage-azure-rbac, "If you have CRDs..."): the
# deployer gets every cluster data action (Helm releases install CRDs and RBAC objects: in-cluster
# admin, as an EKS cluster-admin access entry would be), the drift reader every read.
CLUSTER_DATA_ACTIONS: tuple[str, ...] = ("Microsoft.ContainerService/managedClusters/*",)
CLUSTER_READ_DATA_ACTIONS: tuple[str, ...] = ("Microsoft.ContainerService/managedClusters/*/read",)


def data_actions(types: Iterable[str] | None = None, read_only: bool = False) -> list[str]:
    """The custom role's data actions: the cluster's Kubernetes API when `types` has Kubernetes objects."""
    if types is not None and not any(t.startswith("kubernetes:") for t in types):
        return []
    return list(CLUSTER_READ_DATA_ACTIONS if read_only else CLUSTER_DATA_ACTIONS)


def is_read(action: str) -> bool:
    """Reads, and the cluster user credential the drift reader needs to read Kubernetes objects."""
    return action.endswith("/read") or action in CLUSTER_ACCESS


def actions(types: Iterable[str] | None = None, read_only: bool = False) -> list[str]:
    """The custom role's actions for `types` (default: every type in the table), sorted; with
    `read_only`, only the reads (the drift reader's role)."""
    return union(TYPE_ACTIONS, GROUP_READ, CLUSTER_ACCESS, types, is_read if read_only else None)
