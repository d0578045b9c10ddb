"""The cost delta from real plans: the dev stack and variants of it previewed by the offline engine
(`mlfleet preview`'s run_preview), priced from the repository's price table."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.pricing.table import HOURS_PER_MONTH, Capacity, PriceTable, default_table
from mlfleet.diff.compare import compare_all
from mlfleet.diff.cost import CostLine, cost_delta, render_cost_markdown
from mlfleet.engine.harness import REPO_ROOT
from mlfleet.engine.preview import run_preview
from mlfleet.engine.project import load_project

STACK = "dev"
GPU_POOL = "mlfleet-dev-gpu-karpenter-gpu-gpu"
BIG_POOL = "mlfleet-dev-gpu-karpenter-gpu-big"


def _preview(directory: Path, changes: dict[str, Any]) -> dict[str, Any]:
    config = yaml.safe_load((REPO_ROOT / "stacks" / f"Pulumi.{STACK}.yaml").read_text())["config"]
    config.update(changes)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump({"config": config}))
    project = dataclasses.replace(load_project(REPO_ROOT), stack_config_dir=directory)
    return run_preview(REPO_ROOT, STACK, project)


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    root = tmp_path_factory.mktemp("cost")
    cluster = yaml.safe_load((REPO_ROOT / "stacks" / f"Pulumi.{STACK}.yaml").read_text())["config"][
        "mlfleet:cluster"
    ]
    pools = {
        "gpu": {"instanceType": "g5.2xlarge"},
        "big": {"instanceType": "g5.12xlarge", "gpusPerNode": 4, "maxNodes": 2},
    }
    return {
        "base": _preview(root / "base", {}),
        "head": _preview(root / "head", {"mlfleet:cluster": {**cluster, "gpuPools": pools}}),
        "lifecycle": _preview(root / "lifecycle", {"mlfleet:modelBucket": {"noncurrentVersionDays": 60}}),
    }


def _delta(base: dict | None, head: dict | None, table: PriceTable | None = None) -> list[CostLine]:
    before = {STACK: base} if base else {}
    after = {STACK: head} if head else {}
    costs = cost_delta(compare_all(before, after), before, after, table)
    return [line for cost in costs for line in cost.lines]


def _price(sku: str, capacity: Capacity = "on-demand") -> float:
    price = default_table().hourly("aws", "us-east-1", sku, capacity)
    assert price is not None, f"the table has no {capacity} price for {sku}"
    return price.usd


def _row(lines: list[CostLine], name: str) -> CostLine:
    (row,) = [line for line in lines if line.name == name]
    return row


def test_a_new_gpu_pool_costs_nothing_idle_and_its_price_times_hours_times_limit_at_the_limit(plans) -> None:
    row = _row(_delta(plans["base"], plans["head"]), BIG_POOL)
    assert row.action == "create"
    assert row.on_demand == 0  # Karpenter pools start empty: no invented node count
    # limits.cpu 96 over g5.12xlarge's 48 vCPUs: 2 nodes, priced as the pool runs (dev: spot).
    assert row.capacity == "spot"
    assert row.at_limit == pytest.approx(_price("g5.12xlarge", "spot") * HOURS_PER_MONTH * 2)
    assert row.on_demand_price is not None and row.on_demand_price.usd == _price("g5.12xlarge")


def test_a_changed_instance_type_costs_the_price_difference_at_the_pools_limit(plans) -> None:
    row = _row(_delta(plans["base"], plans["head"]), GPU_POOL)
    assert row.action == "update"
    spot = _price("g5.2xlarge", "spot") - _price("g5.xlarge", "spot")
    assert row.at_limit == pytest.approx(spot * HOURS_PER_MONTH * 4)
    assert "was g5.xlarge" in row.note


def test_a_new_stack_costs_its_running_nodes_and_control_plane(plans) -> None:
    lines = _delta(None, plans["base"])
    system = _row(lines, "mlfleet-dev-gpu-system")  # the EKS managed node group: desired size 2
    assert system.on_demand == pytest.approx(_price("m6i.large") * HOURS_PER_MONTH * 2)
    control = _row(lines, "mlfleet-dev-gpu")
    assert control.kind == "control-plane"
    assert control.on_demand == pytest.approx(0.10 * HOURS_PER_MONTH)


def test_a_removed_stack_is_a_saving(plans) -> None:
    lines = _delta(plans["base"], None)
    assert _row(lines, "mlfleet-dev-gpu-system").on_demand == pytest.approx(
        -_price("m6i.large") * HOURS_PER_MONTH * 2
    )


def test_a_change_that_resizes_nothing_has_no_cost_rows(plans) -> None:
    assert _delta(plans["base"], plans["lifecycle"]) == []


def test_spot_is_priced_beside_on_demand_when_the_table_has_a_spot_price(plans) -> None:
    row = _row(_delta(None, plans["base"]), "mlfleet-dev-gpu-system")
    assert row.spot == pytest.approx(_price("m6i.large", "spot") * HOURS_PER_MONTH * 2)
    assert row.on_demand == pytest.approx(_price("m6i.large") * HOURS_PER_MONTH * 2)


def test_the_markdown_names_unpriced_rows_totals_and_the_table_date(plans) -> None:
    before, after = {}, {STACK: plans["base"]}
    costs = cost_delta(compare_all(before, after), before, after)
    text = render_cost_markdown(costs)
    dates = default_table().dates()
    assert dates and dates[1] in text
    assert "**total**" in text
    assert "No price in the table for:" in text and "`mlfleet-dev-gpu-nat`" in text
    capped = render_cost_markdown(costs, max_rows=2)
    assert "more row(s)" in capped
    assert capped.count("| `dev` | + |") == 2


def test_no_changes_render_nothing(plans) -> None:
    assert (
        render_cost_markdown(cost_delta(compare_all({STACK: plans["base"]}, {STACK: plans["base"]}), {}, {}))
        == ""
    )


def test_cost_markdown_is_the_rendered_delta(plans) -> None:
    from mlfleet.diff.cost import cost_markdown

    before, after = {STACK: plans["base"]}, {STACK: plans["head"]}
    diffs = compare_all(before, after)
    assert cost_markdown(diffs, before, after) == render_cost_markdown(cost_delta(diffs, before, after))
    assert BIG_POOL in cost_markdown(diffs, before, after)


@pytest.mark.parametrize(
    ("stack", "control_plane", "fee", "region", "gpu_machine"),
    [
        ("gcp-dev", "gke", 0.10, "europe-west4", "g2-standard-8"),
        ("azure-dev", "aks-free", 0.0, "westeurope", "Standard_NC4as_T4_v3"),
    ],
)
def test_gcp_and_azure_stacks_price_their_control_plane_and_pools(
    stack, control_plane, fee, region, gpu_machine
) -> None:
    from mlfleet.engine.harness import preview_stack

    plan = preview_stack(stack).data
    costs = cost_delta(compare_all({}, {stack: plan}), {}, {stack: plan})
    lines = [line for cost in costs for line in cost.lines]
    (control,) = [line for line in lines if line.kind == "control-plane"]
    assert control.on_demand_price is not None and control.on_demand_price.sku == control_plane
    assert control.on_demand == pytest.approx(fee * HOURS_PER_MONTH)
    pools = [line for line in lines if line.kind == "nodes"]
    assert pools and all(pool.on_demand_price is not None for pool in pools), [
        pool.name for pool in pools if pool.on_demand_price is None
    ]
    # The GPU pool scales from zero: nothing while idle, its node-hour price times its limit at the
    # limit (spot where the table has a spot price, else on-demand bounds it).
    cloud = "gcp" if stack == "gcp-dev" else "azure"
    table = default_table()
    price = table.hourly(cloud, region, gpu_machine, "spot") or table.hourly(cloud, region, gpu_machine)
    assert price is not None and price.source.startswith("https://github.com/")
    (gpu,) = [pool for pool in pools if gpu_machine in pool.label]
    assert (gpu.on_demand, gpu.spot) == (0.0, 0.0)
    inputs = next(r["inputs"] for r in plan["resources"] if r["name"] == gpu.name)
    scaling = inputs.get("autoscaling") or {}  # GKE: per-zone maxNodeCount or totalMaxNodeCount
    limit = (
        scaling.get("totalMaxNodeCount")
        or inputs.get("maxCount")
        or scaling["maxNodeCount"] * len(inputs.get("nodeLocations") or [None])
    )
    assert gpu.at_limit == pytest.approx(price.usd * HOURS_PER_MONTH * limit)
    # What the table still lacks (storage, load balancers) is named, never a number.
    text = render_cost_markdown(costs)
    unpriced = [line for line in lines if not line.priced]
    assert unpriced and all(line.kind in ("storage", "load-balancer") for line in unpriced)
    for line in unpriced:
        assert f"`{line.name}`" in text.split("No price in the table for:")[1]


def test_a_resource_replaced_by_the_same_size_changes_nothing_even_unpriced(plans) -> None:
    from mlfleet.diff.compare import ResourceChange, StackDiff
    from mlfleet.diff.cost import stack_cost

    plan = plans["base"]
    by_name = {r["name"]: r for r in plan["resources"]}
    changes = [
        ResourceChange(by_name[name]["urn"], by_name[name]["type"], name, "replace")
        for name in ("mlfleet-dev-gpu-nat", "mlfleet-dev-gpu-system")  # unpriced NAT, priced node group
    ]
    lines = stack_cost(StackDiff(STACK, "changed", changes), plan, plan).lines
    assert [(line.name, line.on_demand, line.spot) for line in lines] == [
        ("mlfleet-dev-gpu-nat", 0.0, 0.0),
        ("mlfleet-dev-gpu-system", 0.0, 0.0),
    ]
    assert lines[1].at_limit == 0.0


def test_the_pr_comment_carries_the_cost_section_between_the_stacks_and_the_policy(plans) -> None:
    from mlfleet.diff.render import markdown

    before, after = {STACK: plans["base"]}, {STACK: plans["head"]}
    comment = markdown(compare_all(before, after), policy=[], base_plans=before, head_plans=after)
    assert "#### Cost delta (monthly, USD)" in comment
    assert BIG_POOL in comment.split("#### Cost delta", 1)[1]
    unchanged = {STACK: plans["base"]}
    assert "Cost delta" not in markdown(
        compare_all(unchanged, unchanged), base_plans=unchanged, head_plans=unchanged
    )
