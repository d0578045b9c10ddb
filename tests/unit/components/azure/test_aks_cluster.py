"""AKS TrainingCluster on the azure-dev plan, and the production variant run directly on the mocks."""

from __future__ import annotations

import ipaddress

import pytest
import yaml

from components.azure.aks_cluster import (
    KEY_VAULT_CONTRIBUTOR,
    KEY_VAULT_CRYPTO_USER,
    NETWORK_CONTRIBUTOR,
    subnet_prefixes,
)
from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.target import CloudTarget
from components.training_cluster import TrainingClusterArgs, training_cluster
from mlfleet.engine.harness import Plan, preview_stack, run_program
from tests.unit.components.plans import TAG_KEYS, encryption_key, typed

AGENT_POOL = "azure-native:containerservice:AgentPool"
CLUSTER = "azure-native:containerservice:ManagedCluster"
SUBNET = "azure-native:network:Subnet"
VAULT = "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return preview_stack("azure-dev")


def _pools(plan: Plan) -> dict[str, dict]:
    return {r["inputs"]["agentPoolName"]: r["inputs"] for r in plan.of_type(AGENT_POOL)}


def test_system_cpu_and_gpu_pools_spot_outside_prod_gpu_from_zero(plan):
    system = plan.one(CLUSTER)["inputs"]["agentPoolProfiles"]
    assert [(p["name"], p["mode"], p["nodeLabels"]) for p in system] == [
        ("system", "System", {"mlfleet.io/pool": "system"})
    ]
    pools = _pools(plan)
    assert set(pools) == {"cpu", "gpugpu"}
    for pool in pools.values():
        assert pool["mode"] == "User"
        assert (pool["scaleSetPriority"], pool["scaleSetEvictionPolicy"]) == ("Spot", "Delete")
        assert (pool["enableAutoScaling"], pool["minCount"], pool["count"]) == (True, 0, 0)
        assert TAG_KEYS <= pool["tags"].keys()
    gpu = pools["gpugpu"]
    assert gpu["vmSize"] == "Standard_NC4as_T4_v3"
    assert gpu["maxCount"] == 4
    assert gpu["nodeLabels"] == {"mlfleet.io/pool": "gpu"}
    assert gpu["nodeTaints"] == ["nvidia.com/gpu=present:NoSchedule"]
    assert gpu["gpuProfile"] == {"driver": "Install"}
    assert "gpuProfile" not in pools["cpu"]
    plugin = typed(plan, "kubernetes:helm.sh/v3:Release", "mlfleet-azure-dev-gpu-nvidia-device-plugin")
    assert plugin["inputs"]["values"]["nodeSelector"] == {"mlfleet.io/pool": "gpu"}


def test_kms_with_the_stack_key_and_a_control_plane_identity_allowed_to_use_it(plan):
    cluster = plan.one(CLUSTER)
    security = cluster["inputs"]["securityProfile"]
    key_uri = encryption_key(plan, "azure-native:keyvault:Key")["outputs"]["keyUri"]
    assert security["azureKeyVaultKms"]["enabled"] is True
    assert security["azureKeyVaultKms"]["keyId"] == key_uri
    identity = typed(
        plan, "azure-native:managedidentity:UserAssignedIdentity", "mlfleet-azure-dev-gpu-control-plane"
    )
    assert cluster["inputs"]["identity"] == {
        "type": "UserAssigned",
        "userAssignedIdentities": [identity["outputs"]["id"]],
    }
    grant = typed(plan, "azure-native:authorization:RoleAssignment", "mlfleet-azure-dev-gpu-kms")
    assert grant["inputs"]["roleDefinitionId"].endswith(f"/roleDefinitions/{KEY_VAULT_CRYPTO_USER}")
    assert grant["inputs"]["principalId"] == identity["outputs"]["principalId"]
    assert grant["inputs"]["scope"] == plan.one("azure-native:keyvault:Vault")["outputs"]["id"]
    assert grant["urn"] in cluster["dependencies"], "KMS access must exist before the cluster"


def test_kms_reaches_the_private_vault_from_the_vnet_integrated_api_server(plan):
    """The vault has public network access disabled, so KMS must be "Private" (AKS creates the
    vault's private endpoint as the cluster identity) and the API server VNet-integrated."""
    vault = plan.one("azure-native:keyvault:Vault")
    properties = vault["inputs"]["properties"]
    assert properties["publicNetworkAccess"] == "Disabled"
    assert properties["networkAcls"]["defaultAction"] == "Deny"
    cluster = plan.one(CLUSTER)
    kms = cluster["inputs"]["securityProfile"]["azureKeyVaultKms"]
    assert kms["keyVaultNetworkAccess"] == "Private"
    assert kms["keyVaultResourceId"] == vault["outputs"]["id"]
    assert cluster["inputs"]["apiServerAccessProfile"]["enableVnetIntegration"] is True
    identity = typed(
        plan, "azure-native:managedidentity:UserAssignedIdentity", "mlfleet-azure-dev-gpu-control-plane"
    )["outputs"]
    link = typed(plan, "azure-native:authorization:RoleAssignment", "mlfleet-azure-dev-gpu-kms-private-link")
    assert link["inputs"]["roleDefinitionId"].endswith(f"/roleDefinitions/{KEY_VAULT_CONTRIBUTOR}")
    assert link["inputs"]["principalId"] == identity["principalId"]
    assert link["inputs"]["scope"] == vault["outputs"]["id"]
    assert link["urn"] in cluster["dependencies"]


def test_cluster_vnet_with_node_subnet_and_delegated_api_server_subnet(plan):
    vnet = plan.one("azure-native:network:VirtualNetwork")
    assert vnet["inputs"]["addressSpace"] == {"addressPrefixes": ["10.0.0.0/16"]}
    assert TAG_KEYS <= vnet["inputs"]["tags"].keys()
    nodes = typed(plan, SUBNET, "mlfleet-azure-dev-gpu-nodes")
    api = typed(plan, SUBNET, "mlfleet-azure-dev-gpu-api-server")
    for subnet in (nodes, api):
        assert subnet["inputs"]["virtualNetworkName"] == vnet["outputs"]["name"]
        assert ipaddress.ip_network(subnet["inputs"]["addressPrefix"]).subnet_of(
            ipaddress.ip_network("10.0.0.0/16")
        )
    assert not ipaddress.ip_network(nodes["inputs"]["addressPrefix"]).overlaps(
        ipaddress.ip_network(api["inputs"]["addressPrefix"])
    )
    assert ipaddress.ip_network(api["inputs"]["addressPrefix"]).prefixlen <= 28
    assert api["inputs"]["delegations"] == [
        {"name": "aks-api-server", "serviceName": "Microsoft.ContainerService/managedClusters"}
    ]
    assert "delegations" not in nodes["inputs"]
    cluster = plan.one(CLUSTER)
    assert [p["vnetSubnetID"] for p in cluster["inputs"]["agentPoolProfiles"]] == [nodes["outputs"]["id"]]
    assert {p["vnetSubnetID"] for p in _pools(plan).values()} == {nodes["outputs"]["id"]}
    grant = typed(plan, "azure-native:authorization:RoleAssignment", "mlfleet-azure-dev-gpu-network")
    assert grant["inputs"]["roleDefinitionId"].endswith(f"/roleDefinitions/{NETWORK_CONTRIBUTOR}")
    assert grant["inputs"]["scope"] == vnet["outputs"]["id"]
    assert grant["urn"] in cluster["dependencies"]


def test_subnet_prefixes_and_a_too_small_network_is_an_argument_error():
    assert subnet_prefixes("10.0.0.0/16") == ("10.0.0.0/17", "10.0.128.0/28", "10.0.128.32/27")
    assert subnet_prefixes("172.16.8.0/24") == ("172.16.8.0/25", "172.16.8.128/28", "172.16.8.160/27")
    with pytest.raises(ComponentArgumentError, match="network_cidr"):
        subnet_prefixes("10.0.0.0/26")


def test_managed_prometheus_collects_into_an_azure_monitor_workspace(plan):
    cluster = plan.one(CLUSTER)
    assert cluster["inputs"]["azureMonitorProfile"] == {"metrics": {"enabled": True}}
    workspace = plan.one("azure-native:monitor:AzureMonitorWorkspace")
    endpoint = plan.one("azure-native:monitor:DataCollectionEndpoint")
    rule = plan.one("azure-native:monitor:DataCollectionRule")["inputs"]
    assert endpoint["inputs"]["kind"] == rule["kind"] == "Linux"
    assert rule["dataCollectionEndpointId"] == endpoint["outputs"]["id"]
    assert rule["dataSources"]["prometheusForwarder"] == [
        {"name": "prometheus", "streams": ["Microsoft-PrometheusMetrics"]}
    ]
    (account,) = rule["destinations"]["monitoringAccounts"]
    assert account["accountResourceId"] == workspace["outputs"]["id"]
    assert rule["dataFlows"] == [
        {"streams": ["Microsoft-PrometheusMetrics"], "destinations": [account["name"]]}
    ]
    association = plan.one("azure-native:monitor:DataCollectionRuleAssociation")["inputs"]
    assert association["resourceUri"] == cluster["outputs"]["id"]
    assert (
        association["dataCollectionRuleId"]
        == plan.one("azure-native:monitor:DataCollectionRule")["outputs"]["id"]
    )
    for resource in (workspace, endpoint):
        assert TAG_KEYS <= resource["inputs"]["tags"].keys()


def test_managed_prometheus_scrapes_the_app_routing_nginx_metrics(plan):
    config_map = typed(
        plan, "kubernetes:core/v1:ConfigMap", "mlfleet-azure-dev-gpu-ama-metrics-prometheus-config"
    )
    metadata = config_map["inputs"]["metadata"]
    assert (metadata["name"], metadata["namespace"]) == ("ama-metrics-prometheus-config", "kube-system")
    (job,) = yaml.safe_load(config_map["inputs"]["data"]["prometheus-config"])["scrape_configs"]
    assert job["kubernetes_sd_configs"] == [
        {"role": "endpoints", "namespaces": {"names": ["app-routing-system"]}}
    ]
    assert job["relabel_configs"] == [
        {"source_labels": ["__meta_kubernetes_service_name"], "action": "keep", "regex": "nginx-metrics"}
    ]


def test_entra_auth_authorized_ranges_workload_identity_and_cilium_policy(plan):
    cluster = plan.one(CLUSTER)["inputs"]
    assert cluster["disableLocalAccounts"] is True
    assert cluster["aadProfile"] == {"managed": True, "enableAzureRBAC": True}
    assert cluster["apiServerAccessProfile"] == {
        "enablePrivateCluster": False,
        "authorizedIPRanges": ["203.0.113.0/24"],
        "enableVnetIntegration": True,
        "subnetId": typed(plan, SUBNET, "mlfleet-azure-dev-gpu-api-server")["outputs"]["id"],
    }
    assert cluster["securityProfile"]["workloadIdentity"] == {"enabled": True}
    assert cluster["oidcIssuerProfile"] == {"enabled": True}
    assert cluster["networkProfile"]["networkPolicy"] == "cilium"
    assert TAG_KEYS <= cluster["tags"].keys()


def test_control_plane_logs_go_to_log_analytics(plan):
    setting = typed(plan, "azure-native:monitor:DiagnosticSetting", "mlfleet-azure-dev-gpu-control-plane")[
        "inputs"
    ]
    assert setting["resourceUri"] == plan.one(CLUSTER)["outputs"]["id"]
    assert {"kube-apiserver", "kube-audit-admin"} <= {log["category"] for log in setting["logs"]}
    assert all(log["enabled"] for log in setting["logs"])


def test_each_workload_identity_trusts_the_cluster_issuer_for_its_service_account(plan):
    issuer = plan.one(CLUSTER)["outputs"]["oidcIssuerProfile"]["issuerURL"]
    credentials = {
        r["inputs"]["resourceName"]: r["inputs"]
        for r in plan.of_type("azure-native:managedidentity:FederatedIdentityCredential")
        # the serving edge's add-ons have their own (tests/unit/components/addons)
        if r["inputs"]["issuer"] == issuer and "mlfleet:azure:ServingEdge" not in r["urn"]
    }
    assert set(credentials) == {f"mlfleet-azure-dev-id-{w}" for w in ("trainer", "serving", "registry-sync")}
    for identity, credential in credentials.items():
        account = identity.removeprefix("mlfleet-azure-dev-id-")
        assert credential["subject"] == f"system:serviceaccount:mlfleet:{account}"
        assert credential["audiences"] == ["api://AzureADTokenExchange"]


def test_production_is_regular_priority_and_private():
    context = PlatformContext("mlfleet", "prod", "prod", "ml-platform", "cc-1234")

    def program() -> None:
        args = TrainingClusterArgs(
            private_endpoint=True, encryption_key="https://v.vault.azure.net/keys/k", key_vault_id=VAULT
        )
        training_cluster("c", args, CloudTarget("azure", "westeurope", resource_group_name="g"), context)

    plan = run_program(program, stack="prod")
    for pool in _pools(plan).values():
        assert pool["scaleSetPriority"] == "Regular"
        assert "spotMaxPrice" not in pool
    access = plan.one(CLUSTER)["inputs"]["apiServerAccessProfile"]
    assert access == {
        "enablePrivateCluster": True,
        "enableVnetIntegration": True,
        "subnetId": typed(plan, SUBNET, "c-api-server")["outputs"]["id"],
    }


def test_missing_key_vault_is_a_clean_argument_error():
    context = PlatformContext("mlfleet", "t", "test", "ml-platform", "cc-1234")
    args = TrainingClusterArgs(private_endpoint=True, encryption_key="https://v.vault.azure.net/keys/k")

    def program() -> None:
        training_cluster("c", args, CloudTarget("azure", "westeurope", resource_group_name="g"), context)

    with pytest.raises(ComponentArgumentError, match="key_vault_id"):
        run_program(program)
