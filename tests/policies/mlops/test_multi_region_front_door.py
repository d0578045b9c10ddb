"""The front door's checks (front_door_gaps in mlops/multi_region_front_door.py, reported by
mlops-front-door-readiness in every environment; mlops-multi-region-front-door asks for a door in
multi-region prod): on Route 53 every cell's serving host
(an Ingress rule's host) has a health check and a health-checked record pointing at it, on Traffic
Manager an endpoint; every health check probes the readiness path of the serving Deployment behind
the Ingress; every cell's Ingress accepts the door's global name too (Host and SNI of the clients the
door sends). The real staging-global plan's Route 53 door passes (tests/unit/components/
test_front_door.py previews it); these cases are the shapes it must reject."""

from __future__ import annotations

import pytest

from tests.policies.battery import violations
from tests.policies.harness import PROD_TAGS, Case, res

RULE = "mlops-multi-region-front-door"
CASE = Case(RULE, [], [], "")
READINESS = Case("mlops-front-door-readiness", [], [], "")
READY = "/v2/health/ready"
HOSTS = {"use1": "use1.serving.example.com", "weu": "weu.serving.example.com"}
GLOBAL = "serving.example.com"
INSTANCE = {"app.kubernetes.io/instance": "serving"}


def cells(global_host: bool = True) -> list[dict]:
    """Two prod cells (EKS in us-east-1, AKS in westeurope), each serving behind an Ingress (its own host
    and, unless told otherwise, the global one), plus sync."""
    out = [
        res("aws:eks/cluster:Cluster", {"name": "a", "region": "us-east-1", "tags": PROD_TAGS}, "eks"),
        res(
            "azure-native:containerservice:ManagedCluster",
            {"location": "westeurope", "tags": PROD_TAGS},
            "aks",
        ),
        res("aws:s3/bucketReplicationConfig:BucketReplicationConfig", {"bucket": "m", "role": "r"}, "sync"),
    ]
    for cell, host in HOSTS.items():
        probe = {"readinessProbe": {"httpGet": {"path": READY, "port": "http"}}}
        out.append(
            res(
                "kubernetes:apps/v1:Deployment",
                {
                    "metadata": {"labels": INSTANCE},
                    "spec": {"template": {"spec": {"containers": [{"name": "serving", **probe}]}}},
                },
                f"{cell}-serving",
            )
        )
        out.append(
            res(
                "kubernetes:networking.k8s.io/v1:Ingress",
                {
                    "metadata": {"labels": INSTANCE},
                    "spec": {"rules": [{"host": h} for h in (host, GLOBAL) if global_host or h == host]},
                },
                f"{cell}-ingress",
            )
        )
    return out


def route53(path: str = READY, cells_routed: tuple[str, ...] = ("use1", "weu")) -> list[dict]:
    out = []
    for cell in cells_routed:
        out.append(
            res(
                "aws:route53/healthCheck:HealthCheck",
                {"type": "HTTPS", "fqdn": HOSTS[cell], "resourcePath": path, "port": 443},
                f"hc-{cell}",
                outputs={"id": f"hc-{cell}-id"},
            )
        )
        out.append(
            res(
                "aws:route53/record:Record",
                {
                    "name": GLOBAL,
                    "type": "CNAME",
                    "records": [HOSTS[cell]],
                    "setIdentifier": cell,
                    "healthCheckId": f"hc-{cell}-id",
                    "weightedRoutingPolicies": [{"weight": 1}],
                },
                f"record-{cell}",
            )
        )
    return out


def traffic_manager(path: str = READY, targets: tuple[str, ...] = ("use1", "weu")) -> list[dict]:
    endpoints = [{"name": c, "target": HOSTS[c], "priority": i + 1} for i, c in enumerate(targets)]
    monitor = {"protocol": "HTTPS", "port": 443, "path": path, "intervalInSeconds": 30}
    profile = {"trafficRoutingMethod": "Priority", "monitorConfig": monitor, "endpoints": endpoints}
    cname = {"zoneName": "example.com", "relativeRecordSetName": "serving", "recordType": "CNAME"}
    return [
        res("azure-native:trafficmanager:Profile", {**profile, "tags": PROD_TAGS}, "door"),
        res(
            "azure-native:dns:RecordSet",
            {**cname, "cnameRecord": {"cname": "door.trafficmanager.net"}},
            "cname",
        ),
    ]


def messages(pack, resources: list[dict]) -> list[str]:
    return [v.message for v in violations(pack, CASE, resources, {})]


def gaps(pack, resources: list[dict]) -> list[str]:
    """What the door misses: mlops-front-door-readiness reports it (this module's front_door_gaps)."""
    return [v.message for v in violations(pack, READINESS, resources, {})]


@pytest.mark.parametrize("door", [route53(), traffic_manager()], ids=["route53", "trafficmanager"])
def test_a_door_covering_every_cell_at_the_readiness_path_passes(pack, door) -> None:
    assert messages(pack, cells() + door) == gaps(pack, cells() + door) == []


def test_route53_door_missing_a_cell_fails(pack) -> None:
    found = gaps(pack, cells() + route53(cells_routed=("use1",)))
    assert found == ["the front door does not health-check and route to weu.serving.example.com"]


def test_route53_health_check_without_its_record_does_not_cover_the_cell(pack) -> None:
    door = [r for r in route53() if r["name"] != "record-weu"]
    assert gaps(pack, cells() + door) == [
        "the front door does not health-check and route to weu.serving.example.com"
    ]


def test_route53_check_on_another_path_fails(pack) -> None:
    found = gaps(pack, cells() + route53(path="/"))
    assert (
        "Route 53 health check hc-use1 probes '/', not the serving readiness path '/v2/health/ready'" in found
    )


def test_traffic_manager_on_another_path_or_missing_an_endpoint_fails(pack) -> None:
    found = gaps(pack, cells() + traffic_manager(path="/healthz", targets=("use1",)))
    assert found == [
        "Traffic Manager profile door probes '/healthz', not the serving readiness path '/v2/health/ready'",
        "the front door does not health-check and route to weu.serving.example.com",
    ]


def test_a_single_region_prod_stack_needs_no_door(pack) -> None:
    one_region = [r for r in cells() if r["name"] != "aks"]
    assert messages(pack, one_region) == []


@pytest.mark.parametrize("door", [route53(), traffic_manager()], ids=["route53", "trafficmanager"])
def test_a_cell_ingress_without_the_global_name_fails(pack, door) -> None:
    found = gaps(pack, cells(global_host=False) + door)
    assert found == [
        f"Ingress {cell}-ingress does not accept the global name {GLOBAL} (the front door sends "
        "clients to the cell with it as Host and SNI)"
        for cell in HOSTS
    ]
