"""Battery for every azure-native rule (storage, keyvault, containerregistry, authorization, AKS, NSG)."""

import pytest

from tests.policies.battery import run_battery
from tests.policies.harness import TAGS, Case, res

ACCOUNT = "azure-native:storage:StorageAccount"
GOOD_ACCOUNT = {
    "resourceGroupName": "rg",
    "kind": "StorageV2",
    "sku": {"name": "Standard_GRS"},
    "allowBlobPublicAccess": False,
    "enableHttpsTrafficOnly": True,
    "minimumTlsVersion": "TLS1_2",
    "encryption": {"keySource": "Microsoft.Keyvault", "keyVaultProperties": {"keyName": "k"}},
    "tags": TAGS,
}
AKS = "azure-native:containerservice:ManagedCluster"
GOOD_AKS = {
    "resourceGroupName": "rg",
    "apiServerAccessProfile": {"enablePrivateCluster": True},
    "securityProfile": {"workloadIdentity": {"enabled": True}},
    "oidcIssuerProfile": {"enabled": True},
    "networkProfile": {"networkPlugin": "azure", "networkPolicy": "cilium"},
    "disableLocalAccounts": True,
    "addonProfiles": {"omsagent": {"enabled": True}},
    "tags": TAGS,
}
VAULT = "azure-native:keyvault:Vault"
ACR = "azure-native:containerregistry:Registry"
GOOD_ACR = {"resourceGroupName": "rg", "sku": {"name": "Premium"}, "adminUserEnabled": False, "tags": TAGS}
ROLE = "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/"
NSG_RULE = {
    "name": "https",
    "direction": "Inbound",
    "access": "Allow",
    "protocol": "Tcp",
    "priority": 100,
    "sourceAddressPrefix": "*",
    "destinationPortRange": "443",
}


def account(name: str = "models", **changes: object) -> dict:
    return res(ACCOUNT, {**GOOD_ACCOUNT, **changes}, name)


def aks(name: str = "aks", **changes: object) -> dict:
    return res(AKS, {**GOOD_AKS, **changes}, name)


def key(lifetime_actions: list) -> dict:
    return res(
        "azure-native:keyvault:Key",
        {
            "vaultName": "kv",
            "properties": {"rotationPolicy": {"lifetimeActions": lifetime_actions}},
            "tags": TAGS,
        },
    )


CASES = [
    Case(
        "azure-storage-no-public-access",
        [account(), res("azure-native:storage:BlobContainer", {"accountName": "models"}, "c")],
        [
            account(allowBlobPublicAccess=True),
            res("azure-native:storage:BlobContainer", {"publicAccess": "Blob"}, "c"),
        ],
        "allowBlobPublicAccess is true",
    ),
    Case(
        "azure-storage-tls-only",
        [account()],
        [account(enableHttpsTrafficOnly=False, minimumTlsVersion="TLS1_0")],
        "minimumTlsVersion is 'TLS1_0'",
    ),
    Case("azure-storage-cmk", [account()], [account(encryption=None)], "keySource is 'Microsoft.Storage'"),
    Case(
        "azure-storage-blob-versioning",
        [
            res(
                "azure-native:storage:BlobServiceProperties",
                {"accountName": "models", "isVersioningEnabled": True},
            )
        ],
        [res("azure-native:storage:BlobServiceProperties", {"accountName": "models"})],
        "isVersioningEnabled is not true",
    ),
    Case(
        "azure-keyvault-purge-protection",
        [
            res(
                VAULT,
                {"resourceGroupName": "rg", "properties": {"enablePurgeProtection": True}, "tags": TAGS},
            )
        ],
        [res(VAULT, {"resourceGroupName": "rg", "properties": {"enableSoftDelete": False}, "tags": TAGS})],
        "enablePurgeProtection is not true",
    ),
    Case(
        "azure-keyvault-key-rotation",
        [key([{"action": {"type": "Rotate"}, "trigger": {"timeAfterCreate": "P90D"}}])],
        [key([{"action": {"type": "Notify"}, "trigger": {"timeBeforeExpiry": "P30D"}}])],
        "no lifetime action of type 'rotate'",
    ),
    Case(
        "azure-acr-no-admin-user",
        [res(ACR, GOOD_ACR)],
        [res(ACR, {**GOOD_ACR, "adminUserEnabled": True})],
        "adminUserEnabled",
    ),
    Case(
        "azure-acr-private",
        [res(ACR, GOOD_ACR)],
        [res(ACR, {**GOOD_ACR, "anonymousPullEnabled": True})],
        "anyone can pull",
    ),
    Case(
        "azure-iam-no-owner-roles",
        [
            res(
                "azure-native:authorization:RoleAssignment",
                {
                    "principalId": "p",
                    "scope": "/s",
                    "roleDefinitionId": ROLE + "7f951dda-4ed3-4680-a7ca-43fe172d538d",
                },
            )
        ],
        [
            res(
                "azure-native:authorization:RoleAssignment",
                {
                    "principalId": "p",
                    "scope": "/s",
                    "roleDefinitionId": ROLE + "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
                },
            )
        ],
        "privileged built-in role Owner",
    ),
    Case(
        "azure-aks-private-endpoint",
        [aks(), aks("ranges", apiServerAccessProfile={"authorizedIPRanges": ["203.0.113.0/24"]})],
        [aks(apiServerAccessProfile=None)],
        "API server is public",
    ),
    Case(
        "azure-aks-workload-identity",
        [aks()],
        [aks(securityProfile=None)],
        "workloadIdentity.enabled is not true",
    ),
    Case(
        "azure-aks-network-policy",
        [aks()],
        [aks(networkProfile={"networkPlugin": "kubenet"})],
        "networkPolicy is None",
    ),
    Case("azure-aks-no-local-accounts", [aks()], [aks(disableLocalAccounts=False)], "static cluster-admin"),
    Case(
        "azure-aks-monitoring",
        [aks(), aks("amp", addonProfiles=None, azureMonitorProfile={"metrics": {"enabled": True}})],
        [aks(addonProfiles={"omsagent": {"enabled": False}})],
        "neither the omsagent addon",
    ),
    Case(
        "azure-nsg-no-public-ingress",
        [
            res(
                "azure-native:network:NetworkSecurityGroup",
                {"resourceGroupName": "rg", "securityRules": [NSG_RULE], "tags": TAGS},
            )
        ],
        [
            res(
                "azure-native:network:SecurityRule",
                {**NSG_RULE, "name": "ssh", "destinationPortRange": "22", "networkSecurityGroupName": "nsg"},
            )
        ],
        "rule 'ssh' allows inbound from the internet to port 22",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_battery(pack, case: Case) -> None:
    run_battery(pack, case)
