"""azure-private-service-endpoint: closed registries, vaults and storage accounts in a stack with AKS
need a private endpoint that names them (by id, or through the endpoint's dependency on them)."""

from __future__ import annotations

from tests.policies.battery import run_battery, violations
from tests.policies.harness import TAGS, Case, res

RULE = "azure-private-service-endpoint"
AKS = res("azure-native:containerservice:ManagedCluster", {"resourceGroupName": "rg", "tags": TAGS}, "aks")
ACR_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/images"
REGISTRY = res(
    "azure-native:containerregistry:Registry",
    {"resourceGroupName": "rg", "publicNetworkAccess": "Disabled", "tags": TAGS},
    "images",
    outputs={"id": ACR_ID},
)
VAULT = res(
    "azure-native:keyvault:Vault",
    {"resourceGroupName": "rg", "properties": {"networkAcls": {"defaultAction": "Deny"}}, "tags": TAGS},
    "key",
)
ACCOUNT = res(
    "azure-native:storage:StorageAccount",
    {"resourceGroupName": "rg", "networkRuleSet": {"defaultAction": "Deny"}, "tags": TAGS},
    "models",
)


def endpoint(name: str, group: str, service_id: str | None = None, deps: list[str] | None = None) -> dict:
    connection = {
        "name": name,
        "groupIds": [group],
        **({"privateLinkServiceId": service_id} if service_id else {}),
    }
    return res(
        "azure-native:network:PrivateEndpoint",
        {"resourceGroupName": "rg", "privateLinkServiceConnections": [connection], "tags": TAGS},
        name,
        deps={"privateLinkServiceConnections": deps} if deps else None,
    )


# By id (what a deployed stack's outputs show) and by dependency (an id the offline engine does not know).
REGISTRY_ENDPOINT = endpoint("pe-images", "registry", service_id=ACR_ID)
VAULT_ENDPOINT = endpoint("pe-key", "vault", deps=[VAULT["urn"]])
ACCOUNT_ENDPOINT = endpoint("pe-models", "blob", deps=[ACCOUNT["urn"]])

CASE = Case(
    RULE,
    good=[AKS, REGISTRY, VAULT, ACCOUNT, REGISTRY_ENDPOINT, VAULT_ENDPOINT, ACCOUNT_ENDPOINT],
    bad=[AKS, REGISTRY, VAULT, ACCOUNT, VAULT_ENDPOINT, ACCOUNT_ENDPOINT],
    message="images (Registry) is closed to public networks but has no private endpoint",
    variants=[
        ([AKS, REGISTRY, VAULT, ACCOUNT, REGISTRY_ENDPOINT, ACCOUNT_ENDPOINT], "groupIds [vault]"),
        ([AKS, REGISTRY, VAULT, ACCOUNT, REGISTRY_ENDPOINT, VAULT_ENDPOINT], "models (StorageAccount)"),
        # An endpoint for another resource does not count.
        ([AKS, REGISTRY, endpoint("pe-other", "registry", service_id="/subscriptions/s/other")], "images"),
    ],
)


def test_rule_battery(pack) -> None:
    run_battery(pack, CASE)


def test_no_cluster_or_open_services_are_not_flagged(pack) -> None:
    # Without AKS nothing in the stack needs the private path.
    assert violations(pack, CASE, [REGISTRY, VAULT, ACCOUNT]) == []
    open_account = res(
        "azure-native:storage:StorageAccount",
        {"resourceGroupName": "rg", "networkRuleSet": {"defaultAction": "Allow"}, "tags": TAGS},
        "open",
    )
    # A default-deny account with VNet rules (service endpoints) is reachable from that VNet.
    vnet_rules = res(
        "azure-native:storage:StorageAccount",
        {
            "resourceGroupName": "rg",
            "networkRuleSet": {
                "defaultAction": "Deny",
                "virtualNetworkRules": [{"virtualNetworkResourceId": "x"}],
            },
            "tags": TAGS,
        },
        "vnet",
    )
    assert violations(pack, CASE, [AKS, open_account, vnet_rules]) == []
