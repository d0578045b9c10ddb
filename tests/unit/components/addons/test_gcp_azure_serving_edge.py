"""The serving edge on GKE (Google-managed certificate, external-dns with zone-scoped custom roles) and
on AKS (cert-manager DNS-01 with workload identity, external-dns), from the stacks' plans."""

from __future__ import annotations

import json

import pytest

from components.addons import cert_manager
from components.addons.gcp_serving_edge import PROJECT_PERMISSIONS, ZONE_PERMISSIONS
from components.addons.serving_edge import DnsZone, ServingEdgeArgs
from components.errors import ComponentArgumentError
from mlfleet.engine.harness import preview_stack
from tests.unit.components.plans import serving_ingress, typed

RELEASE = "kubernetes:helm.sh/v3:Release"
GCP = "mlfleet-gcp-dev-edge"
AZURE = "mlfleet-azure-dev-edge"
ROLE = "azure-native:authorization:RoleAssignment"


def test_gke_external_dns_has_record_rights_on_the_zone_and_zone_listing_on_the_project() -> None:
    plan = preview_stack("gcp-dev")
    account = typed(plan, "gcp:serviceaccount/account:Account", f"{GCP}-external-dns")["outputs"]["email"]
    member = f"serviceAccount:{account}"
    zone_grant = typed(plan, "gcp:dns/dnsManagedZoneIamMember:DnsManagedZoneIamMember", f"{GCP}-dns-records")
    assert zone_grant["inputs"]["managedZone"] == "mlfleet-gcp-dev"
    assert zone_grant["inputs"]["member"] == member
    records = typed(plan, "gcp:projects/iAMCustomRole:IAMCustomRole", f"{GCP}-dns-records")["inputs"]
    assert zone_grant["inputs"]["role"] == f"projects/mlfleet-dev-123456/roles/{records['roleId']}"
    assert set(records["permissions"]) == set(ZONE_PERMISSIONS)
    # Never dns.admin: no zone create/delete, no IAM on zones.
    assert not [p for p in records["permissions"] if p.startswith("dns.managedZones.")]
    project_grant = typed(plan, "gcp:projects/iAMMember:IAMMember", f"{GCP}-dns-zones")["inputs"]
    zones = typed(plan, "gcp:projects/iAMCustomRole:IAMCustomRole", f"{GCP}-dns-zones")["inputs"]
    assert zones["permissions"] == list(PROJECT_PERMISSIONS) == ["dns.managedZones.list"]
    assert project_grant["role"].endswith(zones["roleId"]) and project_grant["member"] == member
    assert not [r for r in plan.resources if "roles/dns.admin" in json.dumps(r["inputs"])]
    wi = typed(plan, "gcp:serviceaccount/iAMMember:IAMMember", f"{GCP}-external-dns-wi")["inputs"]
    assert wi["member"] == "serviceAccount:mlfleet-dev-123456.svc.id.goog[kube-system/external-dns]"
    values = typed(plan, RELEASE, f"{GCP}-external-dns")["inputs"]["values"]
    assert values["provider"] == {"name": "google"}
    assert values["serviceAccount"]["annotations"] == {"iam.gke.io/gcp-service-account": account}
    assert values["domainFilters"] == ["gcp-dev.mlfleet.example.com"]


def test_aks_cert_manager_solves_dns01_in_the_zone_with_its_own_federated_identity() -> None:
    plan = preview_stack("azure-dev")
    release = typed(plan, RELEASE, f"{AZURE}-cert-manager")
    inputs = release["inputs"]
    assert (inputs["chart"], inputs["version"]) == ("cert-manager", cert_manager.CHART_VERSION)
    assert inputs["values"]["crds"] == {"enabled": True, "keep": True}
    assert inputs["values"]["podLabels"] == {"azure.workload.identity/use": "true"}
    identity = typed(plan, "azure-native:managedidentity:UserAssignedIdentity", f"{AZURE}-cert-manager")
    credential = typed(
        plan, "azure-native:managedidentity:FederatedIdentityCredential", f"{AZURE}-cert-manager"
    )
    assert credential["inputs"]["subject"] == "system:serviceaccount:cert-manager:cert-manager"
    cluster = plan.one("azure-native:containerservice:ManagedCluster")
    assert credential["inputs"]["issuer"] == cluster["outputs"]["oidcIssuerProfile"]["issuerURL"]
    (grant,) = [r["inputs"] for r in plan.of_type(ROLE) if r["name"] == f"{AZURE}-cert-manager-0"]
    assert grant["roleDefinitionId"].endswith("/befefa01-2a29-4197-83a8-272ff33ce314")  # DNS Zone Contributor
    assert grant["scope"].endswith(
        "/resourceGroups/mlfleet-dns/providers/Microsoft.Network/dnszones/azure-dev.mlfleet.example.com"
    )
    assert grant["principalId"] == identity["outputs"]["principalId"]
    issuer = typed(plan, "kubernetes:cert-manager.io/v1:ClusterIssuer", f"{AZURE}-issuer")
    (solver,) = issuer["inputs"]["spec"]["acme"]["solvers"]
    azure_dns = solver["dns01"]["azureDNS"]
    assert azure_dns["hostedZoneName"] == "azure-dev.mlfleet.example.com"
    assert azure_dns["resourceGroupName"] == "mlfleet-dns"
    assert azure_dns["managedIdentity"] == {"clientID": identity["outputs"]["clientId"]}
    assert release["urn"] in issuer["dependencies"]
    ingress = serving_ingress(plan)
    assert (
        ingress["inputs"]["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
        == "letsencrypt-azure-dns"
    )
    assert issuer["urn"] in ingress["dependencies"]


def test_aks_external_dns_writes_the_zone_and_reads_its_group_only() -> None:
    plan = preview_stack("azure-dev")
    grants = sorted(
        (
            r["inputs"]["roleDefinitionId"].rsplit("/", 1)[-1],
            r["inputs"]["scope"].split("/resourceGroups/")[1],
        )
        for r in plan.of_type(ROLE)
        if r["name"].startswith(f"{AZURE}-external-dns-")
    )
    assert grants == [
        ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "mlfleet-dns"),  # Reader on the zone's group
        (
            "befefa01-2a29-4197-83a8-272ff33ce314",
            "mlfleet-dns/providers/Microsoft.Network/dnszones/azure-dev.mlfleet.example.com",
        ),
    ]
    identity = typed(plan, "azure-native:managedidentity:UserAssignedIdentity", f"{AZURE}-external-dns")
    values = typed(plan, RELEASE, f"{AZURE}-external-dns")["inputs"]["values"]
    assert values["provider"] == {"name": "azure"}
    assert values["serviceAccount"]["annotations"] == {
        "azure.workload.identity/client-id": identity["outputs"]["clientId"]
    }
    assert values["podLabels"] == {"azure.workload.identity/use": "true"}
    (volume,) = values["extraVolumes"]
    config = typed(plan, "kubernetes:core/v1:Secret", f"{AZURE}-external-dns-azure")
    assert volume["secret"]["secretName"] == config["inputs"]["metadata"]["name"]
    assert values["extraVolumeMounts"] == [
        {"name": volume["name"], "mountPath": "/etc/kubernetes", "readOnly": True}
    ]


CELL = "use1.serving.mlfleet.example.com"


@pytest.mark.parametrize(
    ("hostname", "shared", "message"),
    [
        ("serving.other.example.com", (), "hostname.*outside the zone"),
        (CELL, ("serving.other.example.com",), "shared_hostnames.*outside the zone"),
        (CELL, (CELL,), "repeat the cell's own"),
    ],
)
def test_a_name_outside_the_zone_or_a_shared_name_repeating_the_cells_is_refused(
    hostname: str, shared: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ComponentArgumentError, match=message):
        ServingEdgeArgs(
            hostname=hostname,
            zone=DnsZone("mlfleet.example.com"),
            owner_id="o",
            namespace="mlfleet",
            cluster_name="c",
            shared_hostnames=shared,
        )
