"""The azure-dev plan's private path from the AKS VNet to the cell's registry, vault and storage account:
one private endpoint per service (right group id, in the `private-endpoints` subnet), a privatelink
zone per service linked to the VNet, and a DNS zone group tying each endpoint to its zone."""

from __future__ import annotations

import ipaddress
import itertools

import pytest

from components.errors import ComponentArgumentError
from components.private_access import PrivateAccessArgs, PrivateService
from mlfleet.engine.harness import Plan, preview_stack
from tests.unit.components.plans import TAG_KEYS

ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE = "azure-native:privatedns:PrivateZone"
LINK = "azure-native:privatedns:VirtualNetworkLink"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
SUBNET = "azure-native:network:Subnet"
VNET = "azure-native:network:VirtualNetwork"
# What each service is: (resource type, private link group id, privatelink zone).
SERVICES = {
    "azure-native:containerregistry:Registry": ("registry", "privatelink.azurecr.io"),
    "azure-native:keyvault:Vault": ("vault", "privatelink.vaultcore.azure.net"),
    "azure-native:storage:StorageAccount": ("blob", "privatelink.blob.core.windows.net"),
}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return preview_stack("azure-dev")


def _subnets(plan: Plan) -> dict[str, dict]:
    return {s["inputs"]["subnetName"]: s for s in plan.of_type(SUBNET)}


def test_one_endpoint_per_closed_service_with_its_group_id_in_the_endpoint_subnet(plan):
    endpoints = plan.of_type(ENDPOINT)
    subnet_id = _subnets(plan)["private-endpoints"]["outputs"]["id"]
    by_target = {}
    for endpoint in endpoints:
        (connection,) = endpoint["inputs"]["privateLinkServiceConnections"]
        by_target[connection["privateLinkServiceId"]] = connection["groupIds"]
        assert endpoint["inputs"]["subnet"]["id"] == subnet_id
        assert endpoint["inputs"]["location"] == "westeurope"
        assert TAG_KEYS <= endpoint["inputs"]["tags"].keys()
    expected = {}
    for type_, (group, _) in SERVICES.items():
        (service,) = plan.of_type(type_)  # the replica-less azure-dev has one of each
        expected[service["outputs"]["id"]] = [group]
    assert by_target == expected


def test_a_privatelink_zone_per_service_linked_to_the_aks_vnet(plan):
    zones = {z["inputs"]["privateZoneName"]: z for z in plan.of_type(ZONE)}
    assert set(zones) == {zone for _, zone in SERVICES.values()}
    assert {z["inputs"]["location"] for z in zones.values()} == {"global"}
    vnet_id = plan.one(VNET)["outputs"]["id"]
    links = plan.of_type(LINK)
    assert sorted(link["inputs"]["privateZoneName"] for link in links) == sorted(zones)
    for link in links:
        assert link["inputs"]["virtualNetwork"] == {"id": vnet_id}
        assert link["inputs"]["registrationEnabled"] is False


def test_each_endpoint_has_a_dns_zone_group_on_its_services_zone(plan):
    zone_ids = {z["outputs"]["id"]: z["inputs"]["privateZoneName"] for z in plan.of_type(ZONE)}
    groups = {g["inputs"]["privateEndpointName"]: g for g in plan.of_type(ZONE_GROUP)}
    group_zone = {group: zone for group, zone in SERVICES.values()}
    assert len(groups) == 3
    for endpoint in plan.of_type(ENDPOINT):
        (config,) = groups[endpoint["inputs"]["privateEndpointName"]]["inputs"]["privateDnsZoneConfigs"]
        (group_id,) = endpoint["inputs"]["privateLinkServiceConnections"][0]["groupIds"]
        assert zone_ids[config["privateDnsZoneId"]] == group_zone[group_id]


def test_endpoint_subnet_is_inside_the_network_cidr_and_disjoint_from_the_others(plan):
    network = ipaddress.ip_network(plan.one(VNET)["inputs"]["addressSpace"]["addressPrefixes"][0])
    prefixes = {
        name: ipaddress.ip_network(s["inputs"]["addressPrefix"]) for name, s in _subnets(plan).items()
    }
    assert set(prefixes) == {"nodes", "api-server", "private-endpoints", "acr-tasks"}
    assert all(p.subnet_of(network) for p in prefixes.values())
    for a, b in itertools.combinations(prefixes.values(), 2):
        assert not a.overlaps(b), (a, b)
    # Room for the 4 endpoint addresses (the registry takes 2) plus the 5 Azure reserves per subnet.
    assert prefixes["private-endpoints"].num_addresses - 5 >= 4


def test_bad_private_access_arguments_are_one_line_errors():
    with pytest.raises(ComponentArgumentError, match="services"):
        PrivateAccessArgs(network_id="vnet", subnet_id="subnet", services={})
    with pytest.raises(ComponentArgumentError, match=r"services\.files\.kind"):
        PrivateAccessArgs(
            network_id="vnet",
            subnet_id="subnet",
            services={"files": PrivateService("file", "id")},  # type: ignore[arg-type]
        )
