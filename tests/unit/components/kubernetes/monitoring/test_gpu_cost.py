"""The per-stack price rules of the GPU-idle cost alert: one constant series per priced GPU instance
type, spot priced at the spot price or else on-demand, unpriced types left out."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from components.kubernetes.monitoring.gpu_cost import (
    BUDGET_METRIC,
    DEFAULT_GPU_IDLE_USD,
    PRICE_METRIC,
    GpuIdleCost,
    gpu_idle_cost,
    gpu_node_prices,
    price_rules,
)
from components.pricing.table import default_table, parse
from mlfleet.engine.errors import PreviewError
from mlfleet.engine.harness import REPO_ROOT
from mlfleet.engine.preview import run_preview
from mlfleet.engine.project import load_project


def _without_spot():
    """The repository's table less its spot prices."""
    entries = [p.to_dict() for p in default_table().prices if p.capacity != "spot"]
    return parse({"format": "mlfleet.prices", "version": 1, "prices": entries})


def test_pools_of_one_instance_type_share_one_price_series() -> None:
    prices = gpu_node_prices("aws", "us-east-1", {"gpu": "g5.xlarge", "batch": "g5.xlarge"}, spot=False)
    assert [(p.instance_type, p.pools) for p in prices] == [("g5.xlarge", "batch,gpu")]
    on_demand = default_table().hourly("aws", "us-east-1", "g5.xlarge")
    assert on_demand is not None and prices[0].usd_per_hour == on_demand.usd


def test_spot_pools_use_the_spot_price_when_the_table_has_one() -> None:
    spot = default_table().hourly("aws", "us-east-1", "g5.xlarge", "spot")
    on_demand = default_table().hourly("aws", "us-east-1", "g5.xlarge")
    assert spot is not None and on_demand is not None and spot.usd != on_demand.usd
    (price,) = gpu_node_prices("aws", "us-east-1", {"gpu": "g5.xlarge"}, spot=True)
    assert price.usd_per_hour == spot.usd
    # Without a spot price the on-demand price bounds what a spot node costs.
    (upper,) = gpu_node_prices("aws", "us-east-1", {"gpu": "g5.xlarge"}, spot=True, table=_without_spot())
    assert upper.usd_per_hour == on_demand.usd


def test_instance_types_without_a_price_get_no_series() -> None:
    assert gpu_node_prices("aws", "us-east-1", {"gpu": "no-such.type"}, spot=False) == ()


def test_the_rules_carry_each_price_and_the_budget() -> None:
    group = price_rules(GpuIdleCost(gpu_node_prices("aws", "us-east-1", {"gpu": "g5.2xlarge"}, False), 75))
    price = default_table().hourly("aws", "us-east-1", "g5.2xlarge")
    assert price is not None
    assert {
        "record": PRICE_METRIC,
        "expr": f"vector({price.usd!r})",
        "labels": {"instance_type": "g5.2xlarge", "pools": "gpu"},
    } in group["rules"]
    assert {"record": BUDGET_METRIC, "expr": "vector(75.0)"} in group["rules"]


def test_a_cells_default_gpu_machine_and_budget() -> None:
    cost = gpu_idle_cost("aws", "us-east-1", {"gpu": None}, spot=True)
    assert cost is not None and cost.budget_usd == DEFAULT_GPU_IDLE_USD
    from components.aws.eks_cluster import GPU_INSTANCE

    assert [p.instance_type for p in cost.node_prices] == [GPU_INSTANCE]
    assert gpu_idle_cost("kubernetes", "", {"gpu": None}, spot=False) is None


def _preview_dev(tmp_path: Path, budget: dict, pools: dict) -> dict:
    config = yaml.safe_load((REPO_ROOT / "stacks" / "Pulumi.dev.yaml").read_text())["config"]
    config["mlfleet:budget"] = {**config.get("mlfleet:budget", {"amount": 1000}), **budget}
    config["mlfleet:cluster"] = {**config["mlfleet:cluster"], "gpuPools": pools}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    return run_preview(
        REPO_ROOT, "dev", dataclasses.replace(load_project(REPO_ROOT), stack_config_dir=tmp_path)
    )


def test_a_budget_for_idle_gpus_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(PreviewError, match=r"mlfleet:budget.*gpuIdleUsd"):
        _preview_dev(tmp_path, {"gpuIdleUsd": 0}, {"gpu": {}})


def test_the_stacks_prometheus_rule_carries_its_gpu_prices_and_budget(tmp_path: Path) -> None:
    plan = _preview_dev(tmp_path, {"gpuIdleUsd": 40}, {"gpu": {}, "big": {"instanceType": "g5.12xlarge"}})
    (rule,) = [
        r for r in plan["resources"] if r["type"] == "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
    ]
    (group,) = [g for g in rule["inputs"]["spec"]["groups"] if g["name"] == "mlfleet-gpu-prices"]
    table = default_table()
    # dev runs spot: the table's spot price where it has one, else on-demand bounds it.
    expected = {
        sku: (table.hourly("aws", "us-east-1", sku, "spot") or table.hourly("aws", "us-east-1", sku)).usd  # type: ignore[union-attr]
        for sku in ("g5.xlarge", "g5.12xlarge")
    }
    prices = {r["labels"]["instance_type"]: r["expr"] for r in group["rules"] if r["record"] == PRICE_METRIC}
    assert prices == {t: f"vector({usd!r})" for t, usd in expected.items()}
    assert {"record": BUDGET_METRIC, "expr": "vector(40.0)"} in group["rules"]


@pytest.mark.parametrize(
    ("stack", "cloud", "region", "machine"),
    [
        ("gcp-dev", "gcp", "europe-west4", "g2-standard-8"),
        ("azure-dev", "azure", "westeurope", "Standard_NC4as_T4_v3"),
    ],
)
def test_gcp_and_azure_stacks_carry_their_gpu_machines_price(stack, cloud, region, machine) -> None:
    from mlfleet.engine.harness import preview_stack

    plan = preview_stack(stack).data
    (rule,) = [
        r for r in plan["resources"] if r["type"] == "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
    ]
    (group,) = [g for g in rule["inputs"]["spec"]["groups"] if g["name"] == "mlfleet-gpu-prices"]
    prices = {r["labels"]["instance_type"]: r["expr"] for r in group["rules"] if r["record"] == PRICE_METRIC}
    # dev runs spot: the table's spot price where it has one (GCP), else on-demand bounds it (Azure).
    table = default_table()
    price = table.hourly(cloud, region, machine, "spot") or table.hourly(cloud, region, machine)
    assert price is not None, f"the table has no {cloud} {region} price for {machine}"
    assert prices == {machine: f"vector({price.usd!r})"}


def test_the_promtool_cases_use_the_tables_prices() -> None:
    """The price series fed to rules/gpu_cost.yaml's unit tests are the table's figures."""
    cases = yaml.safe_load((Path(__file__).parent / "gpu_cost_rules_test.yaml").read_text())["tests"]
    table = {(p.sku, p.usd) for p in default_table().prices if p.service == "compute"}
    fed = set()
    for case in cases:
        for series in case["input_series"]:
            if series["series"].startswith(PRICE_METRIC + "{"):
                sku = series["series"].split('instance_type="', 1)[1].split('"', 1)[0]
                fed.add((sku, float(series["values"].split("+", 1)[0])))
    assert fed and fed <= table, fed - table
    assert {"g2-standard-8", "Standard_NC4as_T4_v3"} <= {sku for sku, _ in fed}
