"""The cost delta of small PRs, one priced resource each (hand-made plans, tests/diff/plans.py),
priced from the repository's price table: a node group on spot, a NAT gateway, buckets."""

from __future__ import annotations

import pytest

from components.pricing.table import HOURS_PER_MONTH, PriceTable, default_table, parse
from mlfleet.diff.compare import compare_all
from mlfleet.diff.cost import CostLine, cost_delta, render_cost_markdown
from tests.diff.plans import plan, resource

AWS = {"mlfleet:cloud": "aws", "mlfleet:region": "us-east-1"}
GCP = {"mlfleet:cloud": "gcp", "mlfleet:region": "europe-west4"}
AZURE = {"mlfleet:cloud": "azure", "mlfleet:region": "westeurope"}
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"


def _added(
    resources: list[dict], config: dict, table: PriceTable | None = None
) -> tuple[list[CostLine], str]:
    """The rows and the Markdown of a PR that adds `resources` to a stack that had none of them."""
    base, head = {"dev": plan(config=config)}, {"dev": plan(resources=resources, config=config)}
    costs = cost_delta(compare_all(base, head), base, head, table)
    return [line for cost in costs for line in cost.lines], render_cost_markdown(costs, table)


def _usd(cloud: str, service: str, sku: str, region: str, capacity: str = "on-demand") -> float:
    price = default_table().find(cloud, service, sku, region, capacity)  # type: ignore[arg-type]
    assert price is not None, f"the table has no {capacity} price for {cloud} {sku} in {region}"
    return price.usd


def test_a_spot_node_group_costs_its_desired_nodes_on_demand_and_spot() -> None:
    group = resource(
        "dev",
        "aws:eks/nodeGroup:NodeGroup",
        "cpu",
        {
            "instanceTypes": ["m6i.xlarge"],
            "capacityType": "SPOT",
            "scalingConfig": {"desiredSize": 3, "minSize": 1, "maxSize": 5},
        },
    )
    (row,), markdown = _added([group], AWS)
    on_demand, spot = (
        _usd("aws", "compute", "m6i.xlarge", "us-east-1"),
        _usd("aws", "compute", "m6i.xlarge", "us-east-1", "spot"),
    )
    assert row.capacity == "spot"
    assert row.on_demand == pytest.approx(on_demand * HOURS_PER_MONTH * 3)
    assert row.spot == pytest.approx(spot * HOURS_PER_MONTH * 3)
    # The limit runs as the pool does: spot.
    assert row.at_limit == pytest.approx(spot * HOURS_PER_MONTH * 5)
    assert f"**+${spot * HOURS_PER_MONTH * 3:,.2f}**" in markdown


def test_a_nat_gateway_costs_its_hour_all_month_and_is_named_when_the_table_has_no_price() -> None:
    nat = resource("dev", "aws:ec2/natGateway:NatGateway", "egress", {"subnetId": "subnet-1"})
    (row,), markdown = _added([nat], AWS)
    assert default_table().nat_gateway("aws", "us-east-1") is None  # see docs/pricing.md
    assert row.on_demand is None and not row.priced
    assert "No price in the table for: `egress` (NAT gateway" in markdown
    # With a NAT gateway price in the table: one gateway, 730 hours.
    entry = {
        "cloud": "aws",
        "service": "nat-gateway",
        "sku": "nat-gateway",
        "region": "us-east-1",
        "unit": "hour",
        "usd": 0.5,
        "capacity": "on-demand",
        "source": "https://example.com/nat",
        "retrieved": "2026-12-02",
    }
    table = parse({"format": "mlfleet.prices", "version": 1, "prices": [entry]})
    (row,), markdown = _added([nat], AWS, table)
    assert row.on_demand == pytest.approx(0.5 * HOURS_PER_MONTH) and row.spot == row.on_demand
    assert "No price" not in markdown


def test_a_bucket_shows_its_unit_price_per_gb_month_and_no_invented_usage() -> None:
    bucket = resource("dev", "gcp:storage/bucket:Bucket", "models", {"location": "EUROPE-WEST4"})
    (row,), markdown = _added([bucket], GCP)
    usd = _usd("gcp", "object-storage", "gcs-standard", "europe-west4")
    assert row.on_demand_price is not None and row.on_demand_price.unit == "GB-month"
    assert row.on_demand_price.usd == usd and row.usage_unknown and row.on_demand is None
    (line,) = [text for text in markdown.splitlines() if "`models`" in text]
    assert f"${usd:g}/GB-month" in line and "per GB stored" in line and "no price" not in line
    # A priced bucket is not an unpriced row, and the total does not pretend to know its usage.
    assert "No price" not in markdown and "unpriced" not in markdown


def test_a_bucket_without_a_price_is_named() -> None:
    bucket = resource("dev", "aws:s3/bucket:Bucket", "models", {})
    (row,), markdown = _added([bucket], AWS)
    assert not row.priced
    assert "`models` (S3 Standard storage)" in markdown and "1 unpriced" in markdown


def _ingress(name: str, ingress_class: str, annotations: dict[str, str] | None = None) -> dict:
    metadata = {"name": name, "annotations": annotations or {}}
    return resource("dev", INGRESS, name, {"metadata": metadata, "spec": {"ingressClassName": ingress_class}})


def test_the_ingresses_of_one_ingress_group_are_one_alb() -> None:
    group = {"alb.ingress.kubernetes.io/group.name": "serving"}
    ingresses = [_ingress("rest", "alb", group), _ingress("grpc", "alb", group), _ingress("other", "alb")]
    rows, _ = _added(ingresses, AWS)
    # One ALB for the group (on the first Ingress by URN), one for the Ingress outside it.
    assert sorted((row.name, row.label) for row in rows) == [
        ("grpc", "load balancer for Ingress grpc (alb, IngressGroup serving; hours only)"),
        ("other", "load balancer for Ingress other (alb; hours only)"),
    ]


def test_a_second_ingress_joining_a_group_adds_no_load_balancer() -> None:
    group = {"alb.ingress.kubernetes.io/group.name": "serving"}
    rest, grpc = _ingress("rest", "alb", group), _ingress("zgrpc", "alb", group)
    base = {"dev": plan(resources=[rest], config=AWS)}
    head = {"dev": plan(resources=[rest, grpc], config=AWS)}
    assert [cost.lines for cost in cost_delta(compare_all(base, head), base, head)] == [[]]


def test_an_ingress_through_an_in_cluster_controller_gets_no_load_balancer_of_its_own() -> None:
    rows, _ = _added([_ingress("rest", "webapprouting.kubernetes.azure.com")], AZURE)
    assert rows == []
    (row,), _ = _added([_ingress("rest", "gce")], GCP)
    assert row.label == "load balancer for Ingress rest (gclb-forwarding-rule; hours only)"
