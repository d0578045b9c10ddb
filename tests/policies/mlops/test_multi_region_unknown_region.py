"""mlops-multi-region-front-door never guesses: a cluster whose region is unknown is not another region.

The regression: a single-region Azure program (two AKS clusters placed through the resource group,
so without a `location` of their own) drew two critical, mandatory violations, because each
unknown region counted as a region named after its cluster.
"""

from __future__ import annotations

from tests.policies.battery import violations
from tests.policies.harness import PROD_TAGS, Case, res

RULE = "mlops-multi-region-front-door"
CASE = Case(RULE, [], [], "")
AKS = "azure-native:containerservice:ManagedCluster"
EKS = "aws:eks/cluster:Cluster"
GKE = "gcp:container/cluster:Cluster"


def aks(name: str, **inputs: object) -> dict:
    return res(AKS, {"resourceGroupName": "rg", "tags": PROD_TAGS, **inputs}, name)


def provider(cloud: str, name: str, **inputs: object) -> dict:
    return res(f"pulumi:providers:{cloud}", inputs, name)


def ref(provider_resource: dict) -> str:
    return f"{provider_resource['urn']}::{provider_resource['name']}-id"


def messages(pack, resources: list[dict]) -> list[str]:
    return [v.message for v in violations(pack, CASE, resources, {})]


def test_single_region_azure_program_without_locations_passes(pack) -> None:
    assert messages(pack, [aks("training"), aks("serving")]) == []


def test_unknown_region_does_not_add_to_a_known_one(pack) -> None:
    # "West Europe" and "westeurope" are one region; the third cluster's region is unknown.
    found = messages(pack, [aks("a", location="West Europe"), aks("b", location="westeurope"), aks("c")])
    assert found == []


def test_gke_zone_is_in_its_region(pack) -> None:
    gke = [
        res(GKE, {"location": "europe-west1-b", "resourceLabels": PROD_TAGS}, "zonal"),
        res(GKE, {"location": "europe-west1", "resourceLabels": PROD_TAGS}, "regional"),
    ]
    assert messages(pack, gke) == []


def test_unknown_provider_region_is_not_another_region(pack) -> None:
    known, unknown = provider("aws", "use1", region="us-east-1"), provider("aws", "nowhere")
    eks = [
        known,
        unknown,
        res(EKS, {"name": "a", "tags": PROD_TAGS}, "eks-a", provider=ref(known)),
        res(EKS, {"name": "b", "tags": PROD_TAGS}, "eks-b", provider=ref(unknown)),
    ]
    assert messages(pack, eks) == []


def test_two_known_regions_still_fail(pack) -> None:
    found = messages(pack, [aks("a", location="westeurope"), aks("b", location="northeurope")])
    assert found == [
        "prod spans azure:northeurope, azure:westeurope but has no health-checked front door",
        "prod spans azure:northeurope, azure:westeurope but has no model registry sync between regions",
    ]


def test_another_cloud_is_another_place_even_without_a_region(pack) -> None:
    eks = res(EKS, {"name": "b", "tags": PROD_TAGS}, "eks")
    found = messages(pack, [aks("a", location="westeurope"), eks])
    assert "prod spans aws:(region unknown), azure:westeurope but has no health-checked front door" in found
