"""The multi-cell stack rules (issue 13 item 8), each with the battery through the pack's analyzer
protocol: mlops-monitoring-per-cell, mlops-front-door-readiness, mlops-standby-gpu-scale-to-zero.

A cell in a plan is a cloud cluster: a Kubernetes resource belongs to the cluster behind its provider,
a node pool to the cluster component it sits in (never to a name)."""

from __future__ import annotations

import pytest

from tests.policies.battery import run_battery, violations
from tests.policies.harness import PROD_TAGS, TAGS, Case, res
from tests.policies.mlops.test_multi_region_front_door import READY, cells, route53, traffic_manager

EKS, AKS = "aws:eks/cluster:Cluster", "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
MONITORING = "kubernetes:helm.sh/v3:Release"


def component(cloud: str, cell: str) -> dict:
    return res(f"mlfleet:{cloud}:TrainingCluster", {}, f"{cell}-gpu")


def cell(
    cloud: str,
    cell_name: str,
    monitored: bool = True,
    gpu_count: int = 0,
    gpu_min: int = 0,
    workload: bool = False,
) -> list[dict]:
    """One cell as the topology builds it: a cluster, its Kubernetes provider and an AKS GPU pool in the
    TrainingCluster component, the monitoring chart on that provider unless told otherwise, and with
    `workload` a workload there too (a cell is a cluster the stack deploys onto)."""
    owner = component(cloud, cell_name)
    kind = EKS if cloud == "aws" else AKS
    cluster = res(kind, {"name": cell_name, "tags": TAGS}, f"{cell_name}-gpu", parent=owner["urn"])
    provider = res("pulumi:providers:kubernetes", {}, f"{cell_name}-k8s", parent=owner["urn"])
    pool = res(
        AGENT_POOL,
        {
            "vmSize": "Standard_NC4as_T4_v3",
            "count": gpu_count,
            "enableAutoScaling": True,
            "minCount": gpu_min,
        },
        f"{cell_name}-gpu-gpu",
        parent=owner["urn"],
        deps={"resourceName": [cluster["urn"]]},
    )
    out = [owner, cluster, provider, pool]
    ref = f"{provider['urn']}::{cell_name}-k8s-id"
    if workload:
        out.append(
            res("kubernetes:core/v1:Namespace", {"metadata": {"name": "ns"}}, f"{cell_name}-ns", provider=ref)
        )
    if monitored:
        out.append(
            res(MONITORING, {"chart": "kube-prometheus-stack"}, f"{cell_name}-monitoring", provider=ref)
        )
    return out


MONITORING_CASE = Case(
    "mlops-monitoring-per-cell",
    cell("aws", "use1") + cell("azure", "weu"),
    cell("aws", "use1") + cell("azure", "weu", monitored=False, workload=True),
    "cluster weu-gpu runs no monitoring stack",
)

READINESS_CASE = Case(
    "mlops-front-door-readiness",
    cells() + route53(),
    cells() + route53(path="/"),
    "Route 53 health check hc-use1 probes '/', not the serving readiness path '/v2/health/ready'",
    variants=[
        (cells() + traffic_manager(targets=("use1",)), "does not health-check and route to weu.serving"),
        (cells(global_host=False) + route53(), "does not accept the global name serving.example.com"),
    ],
)


def failover(standby_pool: dict | None = None) -> list[dict]:
    """An active-passive pair: use1 (EKS) primary, weu (AKS) the Route 53 SECONDARY, each cell's Ingress
    on its own cluster's provider."""
    resources = cell("aws", "use1", gpu_count=1, gpu_min=1) + cell("azure", "weu", **(standby_pool or {}))
    door = route53()
    for record, kind in zip(
        [r for r in door if r["type"] == "aws:route53/record:Record"], ("PRIMARY", "SECONDARY"), strict=True
    ):
        record["inputs"].pop("weightedRoutingPolicies")
        record["inputs"]["failoverRoutingPolicies"] = [{"type": kind}]
        record["outputs"] = {**record["inputs"], "id": record["name"]}
    for r in cells():
        if r["type"] == "kubernetes:networking.k8s.io/v1:Ingress":
            name = r["name"].split("-")[0]
            provider = next(p for p in resources if p["name"] == f"{name}-k8s")
            r["provider"] = f"{provider['urn']}::{name}-k8s-id"
            resources.append(r)
    return resources + door


STANDBY_CASE = Case(
    "mlops-standby-gpu-scale-to-zero",
    failover(),
    failover({"gpu_count": 1}),
    "GPU pool weu-gpu-gpu of standby cluster weu-gpu keeps nodes (minimum 0, at deploy 1)",
    variants=[(failover({"gpu_min": 1}), "minimum 1")],
)
CASES = [MONITORING_CASE, READINESS_CASE, STANDBY_CASE]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_battery(pack, case: Case) -> None:
    run_battery(pack, case)


def messages(pack, case: Case, resources: list[dict]) -> list[str]:
    return [v.message for v in violations(pack, case, resources, {})]


def test_the_primary_may_keep_gpu_nodes(pack) -> None:
    # use1 (primary) starts a GPU node with minimum 1: another rule's concern, not the standby's.
    assert messages(pack, STANDBY_CASE, failover()) == []


def test_traffic_manager_priority_endpoints_after_the_first_are_standby(pack) -> None:
    resources = [r for r in failover({"gpu_count": 2}) if not r["type"].startswith("aws:route53")]
    assert messages(pack, STANDBY_CASE, resources) == []  # no door: nothing is standby
    found = messages(pack, STANDBY_CASE, resources + traffic_manager())
    assert found == [
        "GPU pool weu-gpu-gpu of standby cluster weu-gpu keeps nodes (minimum 0, at deploy 2); "
        "a standby's GPU pools scale to zero"
    ]


def test_active_active_door_has_no_standby(pack) -> None:
    resources = [r for r in failover({"gpu_count": 1}) if not r["type"].startswith("aws:route53")]
    assert messages(pack, STANDBY_CASE, resources + route53()) == []


def staging(resource: dict) -> dict:
    if "tags" not in resource["inputs"]:
        return resource
    return {**resource, **{side: {**resource[side], "tags": TAGS} for side in ("inputs", "outputs")}}


def test_readiness_is_checked_outside_prod_too(pack) -> None:
    found = messages(pack, READINESS_CASE, [staging(r) for r in cells()] + route53(path="/healthz"))
    assert any("probes '/healthz'" in m for m in found)


def test_monitoring_is_matched_by_provider_not_by_name(pack) -> None:
    # The weu chart is named after use1 but deployed with weu's provider: weu is monitored, use1 not.
    resources = cell("aws", "use1", monitored=False, workload=True) + cell("azure", "weu", monitored=False)
    weu = next(r for r in resources if r["name"] == "weu-k8s")
    chart = res(
        MONITORING, {"chart": "kube-prometheus-stack"}, "use1-monitoring", provider=f"{weu['urn']}::x"
    )
    assert messages(pack, MONITORING_CASE, [*resources, chart]) == [
        "cluster use1-gpu runs no monitoring stack (Prometheus on its own provider)"
    ]


def test_a_stack_without_clusters_needs_no_monitoring(pack) -> None:
    assert messages(pack, MONITORING_CASE, [res("aws:s3/bucket:Bucket", {"tags": PROD_TAGS}, "b")]) == []


def test_a_bare_cluster_the_stack_deploys_nothing_onto_is_not_a_cell(pack) -> None:
    bare = [r for r in cell("azure", "weu", monitored=False) if not r["type"].startswith("kubernetes:")]
    assert messages(pack, MONITORING_CASE, cell("aws", "use1") + bare) == []


def test_readiness_rule_accepts_the_door_at_the_readiness_path(pack) -> None:
    assert messages(pack, READINESS_CASE, cells() + traffic_manager(path=READY)) == []


def test_a_service_monitor_without_prometheus_is_no_monitoring_stack(pack) -> None:
    resources = cell("aws", "use1") + cell("azure", "weu", monitored=False)
    weu = next(r for r in resources if r["name"] == "weu-k8s")
    scrape = res(
        "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", {}, "weu-serving", provider=f"{weu['urn']}::x"
    )
    assert messages(pack, MONITORING_CASE, [*resources, scrape]) == [
        "cluster weu-gpu runs no monitoring stack (Prometheus on its own provider)"
    ]
