"""The per-stack inputs of the GPU-idle cost alert (rules/gpu_cost.yaml): each GPU instance type's
hourly price from the dated price table, and the stack's idle-GPU budget, as constant recording rules.

The price is known at plan time (each pool's instance type and capacity type are in the stack), so
the rule carries it; Prometheus only counts idle nodes. A spot pool is priced at the table's spot
price, or at the on-demand price where the table has none (an upper bound: spot is never dearer).
An instance type with no price at all gets no series, so the alert cannot fire for it (said in
docs/pricing.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.pricing.table import PriceTable, default_table

PRICE_METRIC = "mlfleet:gpu_node_price_usd_per_hour"
BUDGET_METRIC = "mlfleet:gpu_idle_budget_usd"
GROUP = "mlfleet-gpu-prices"
# USD that idle GPU nodes may cost in 24 hours before MlfleetGpuIdleCost fires
# (mlfleet:budget.gpuIdleUsd overrides it).
DEFAULT_GPU_IDLE_USD = 50.0


@dataclass(frozen=True)
class GpuNodePrice:
    instance_type: str
    # The stack's pools of this instance type, comma-separated (the alert names them).
    pools: str
    usd_per_hour: float


@dataclass(frozen=True)
class GpuIdleCost:
    node_prices: tuple[GpuNodePrice, ...]
    budget_usd: float = DEFAULT_GPU_IDLE_USD


def gpu_node_prices(
    cloud: str,
    region: str,
    pools: Mapping[str, str],
    spot: bool,
    table: PriceTable | None = None,
) -> tuple[GpuNodePrice, ...]:
    """One price per GPU instance type of `pools` (pool name -> instance type); types the table has
    no price for are left out."""
    table = table or default_table()
    by_type: dict[str, list[str]] = {}
    for pool, instance_type in sorted(pools.items()):
        by_type.setdefault(instance_type, []).append(pool)
    out = []
    for instance_type, names in sorted(by_type.items()):
        price = (table.hourly(cloud, region, instance_type, "spot") if spot else None) or table.hourly(
            cloud, region, instance_type
        )
        if price is not None:
            out.append(GpuNodePrice(instance_type, ",".join(names), price.usd))
    return tuple(out)


def price_rules(cost: GpuIdleCost) -> dict[str, Any]:
    """The recording-rule group the PrometheusRule carries beside rules/*.yaml."""
    rules: list[dict[str, Any]] = [
        {
            "record": PRICE_METRIC,
            "expr": f"vector({price.usd_per_hour!r})",
            "labels": {"instance_type": price.instance_type, "pools": price.pools},
        }
        for price in cost.node_prices
    ]
    rules.append({"record": BUDGET_METRIC, "expr": f"vector({float(cost.budget_usd)!r})"})
    return {"name": GROUP, "rules": rules}


def groups(cost: GpuIdleCost | None) -> Sequence[dict[str, Any]]:
    return [price_rules(cost)] if cost is not None else []


def _default_gpu_instance(cloud: str) -> str:
    """The cloud's default GPU machine (each cloud's cluster module owns it)."""
    if cloud == "aws":
        from components.aws.eks_cluster import GPU_INSTANCE

        return GPU_INSTANCE
    if cloud == "gcp":
        from components.gcp.gke_cluster import GPU_MACHINE

        return GPU_MACHINE
    from components.azure.aks_cluster import GPU_VM

    return GPU_VM


def gpu_idle_cost(
    cloud: str,
    region: str,
    pools: Mapping[str, str | None],
    spot: bool,
    budget_usd: float | None = None,
    table: PriceTable | None = None,
) -> GpuIdleCost | None:
    """The alert's inputs for one cell: `pools` maps GPU pool name to its instance type (None: the
    cloud's default). None on a kubernetes-only cell (no list price for someone else's nodes)."""
    if cloud not in ("aws", "gcp", "azure"):
        return None
    types = {name: instance_type or _default_gpu_instance(cloud) for name, instance_type in pools.items()}
    prices = gpu_node_prices(cloud, region, types, spot, table)
    return GpuIdleCost(prices, DEFAULT_GPU_IDLE_USD if budget_usd is None else budget_usd)
