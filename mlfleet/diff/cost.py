"""Monthly cost delta of a diff: what a PR creates, replaces, deletes or resizes, priced from the dated
table in components/pricing (on-demand and spot side by side).

Only what the plans say is priced: nodes a pool keeps running (EKS node group desired size, GKE and
AKS minimum counts), managed control planes, NAT gateways, load balancers (an Ingress or a Service
of type LoadBalancer implies one) and instances. Pools that scale from zero (Karpenter NodePools, GKE
and AKS pools at minimum 0) cost nothing while idle: their row shows the price per node-hour and the
monthly cost at the pool's limit, never an invented node count. Storage shows its unit price per
GB-month (usage is unknown to a plan). Anything the table has no price for is a named "no price" row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from components.errors import ComponentArgumentError
from components.pricing.table import HOURS_PER_MONTH, Capacity, Price, PriceTable, default_table
from mlfleet.diff.compare import StackDiff

Plans = Mapping[str, Mapping[str, Any]]  # stack name -> plan (as mlfleet.diff.load reads them)
# A resource replaced by an identical one (same SKU, count, capacity) changes no monthly cost.
_SAME: dict[str, Any] = {
    "on_demand": 0.0,
    "spot": 0.0,
    "note": "replaced by the same size: no monthly change",
}
# Rows in the Markdown table before the rest are summarised in one line.
MAX_ROWS = 40
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
# The AWS Load Balancer Controller serves all Ingresses of one IngressGroup with a single ALB
# (kubernetes-sigs/aws-load-balancer-controller docs/guide/ingress/annotations.md "IngressGroup",
# commit 225f445); our serving REST and gRPC Ingresses share one (components/kubernetes/ingress_flavor.py).
ALB_GROUP = "alb.ingress.kubernetes.io/group.name"
# Ingress classes whose Ingress (or IngressGroup) gets a cloud load balancer of its own: the ALB, a GKE
# Ingress's forwarding rule. Other classes (ingress-nginx, the AKS application routing add-on's NGINX,
# learn.microsoft.com/azure/aks/app-routing) route through an in-cluster controller: the load balancer
# is its Service's, shared by every Ingress of the class, not the Ingress's.
_CLASS_LB = {"alb": "alb", "gce": "gclb-forwarding-rule"}
_CLOUD_PROVIDERS = {
    "pulumi:providers:aws": "aws",
    "pulumi:providers:gcp": "gcp",
    "pulumi:providers:azure-native": "azure",
}


@dataclass(frozen=True)
class Item:
    """One priced thing in one plan: `quantity` units running all month (None: usage unknown, e.g.
    storage), `ceiling` units at the most (autoscaled pools), in the capacity type it runs in."""

    kind: str  # nodes | control-plane | nat-gateway | load-balancer | storage | instance
    label: str
    cloud: str
    region: str
    service: str
    sku: str
    quantity: float | None
    capacity: Capacity = "on-demand"
    ceiling: float | None = None


@dataclass(frozen=True)
class CostLine:
    """The cost change of one resource. Monthly figures are signed USD (a delete is negative);
    None where the table has no price. `at_limit` is the monthly cost at the pool's ceiling."""

    stack: str
    action: str
    type: str
    name: str
    label: str
    kind: str
    capacity: Capacity
    on_demand_price: Price | None
    spot_price: Price | None
    on_demand: float | None
    spot: float | None
    at_limit: float | None = None
    note: str = ""
    # The item scales between a minimum and a limit (a pool): `at_limit` applies.
    limited: bool = False
    # Priced per unit of usage a plan does not state (storage per GB-month): unit price only.
    usage_unknown: bool = False

    @property
    def priced(self) -> bool:
        return self.on_demand_price is not None or self.spot_price is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "action": self.action,
            "type": self.type,
            "name": self.name,
            "item": self.label,
            "kind": self.kind,
            "capacity": self.capacity,
            "onDemandUnitUsd": self.on_demand_price.usd if self.on_demand_price else None,
            "spotUnitUsd": self.spot_price.usd if self.spot_price else None,
            "unit": (self.on_demand_price or self.spot_price).unit if self.priced else None,  # type: ignore[union-attr]
            "monthlyOnDemandUsd": self.on_demand,
            "monthlySpotUsd": self.spot,
            "monthlyAtLimitUsd": self.at_limit,
            "note": self.note,
        }


@dataclass
class StackCost:
    stack: str
    lines: list[CostLine] = field(default_factory=list)

    def total(self, column: str) -> tuple[float, int]:
        """Sum of a column (on_demand, spot, at_limit) over the rows that have a figure in it, and
        how many rows lack one (for at_limit: among the rows with a limit). Priced rows whose usage
        is unknown (storage) have no monthly figure and are not counted as lacking one."""
        rows = [
            line
            for line in self.lines
            if (column != "at_limit" or line.limited) and not (line.usage_unknown and line.priced)
        ]
        return sum(getattr(line, column) or 0.0 for line in rows), sum(
            getattr(line, column) is None for line in rows
        )

    @property
    def unpriced(self) -> list[CostLine]:
        return [line for line in self.lines if not line.priced]


# --- reading plans ------------------------------------------------------------------------------


class _PlanIndex:
    """Where each resource of a plan runs: the cloud and region of its provider, or, for Kubernetes
    objects, of the cloud resources beside the component that owns their cluster provider."""

    def __init__(self, plan: Mapping[str, Any]) -> None:
        self.resources: dict[str, Mapping[str, Any]] = {r["urn"]: r for r in plan.get("resources", [])}
        self.children: dict[str, list[Mapping[str, Any]]] = {}
        for resource in self.resources.values():
            if resource.get("parent"):
                self.children.setdefault(resource["parent"], []).append(resource)
        config = plan.get("config") or {}
        self.default_region = str(config.get("aws:region") or config.get("mlfleet:region") or "")
        self.default_cloud = str(config.get("mlfleet:cloud") or "")
        # IngressGroup -> the Ingress whose row carries the group's one ALB (the first by URN).
        self.group_owner: dict[str, str] = {}
        for urn in sorted(self.resources):
            group = _alb_group(self.resources[urn])
            if group:
                self.group_owner.setdefault(group, urn)

    def shares_load_balancer(self, resource: Mapping[str, Any]) -> bool:
        """An Ingress of an IngressGroup whose ALB another Ingress's row already carries."""
        group = _alb_group(resource)
        return bool(group) and self.group_owner.get(group) != resource.get("urn")

    def _provider(self, resource: Mapping[str, Any]) -> Mapping[str, Any] | None:
        reference = resource.get("provider")
        if not isinstance(reference, str):
            return None
        return self.resources.get(reference.rsplit("::", 1)[0])

    def _cloud_of(self, resource: Mapping[str, Any]) -> tuple[str, str] | None:
        provider = self._provider(resource)
        if provider is None or provider.get("type") not in _CLOUD_PROVIDERS:
            return None
        inputs = provider.get("inputs") or {}
        region = inputs.get("region") or inputs.get("location")
        return (_CLOUD_PROVIDERS[provider["type"]], str(region)) if isinstance(region, str) else None

    def location(self, resource: Mapping[str, Any]) -> tuple[str, str] | None:
        found = self._cloud_of(resource)
        if found:
            return found
        # A Kubernetes object: the component owning its cluster provider holds the cloud cluster.
        start = self._provider(resource) or resource
        parent = start.get("parent")
        while isinstance(parent, str) and parent in self.resources:
            for sibling in self.children.get(parent, []):
                found = self._cloud_of(sibling)
                if found:
                    return found
            parent = self.resources[parent].get("parent")
        if self.default_cloud in _CLOUD_PROVIDERS.values() and self.default_region:
            return self.default_cloud, self.default_region
        return None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _karpenter_ceiling(spec: Mapping[str, Any], instance_type: str) -> float | None:
    """Nodes a Karpenter NodePool can reach: its cpu limit over the instance type's vCPUs."""
    from components.addons.karpenter import vcpus  # the one rule for EC2 sizes; loads pulumi_aws

    cpu = (spec.get("limits") or {}).get("cpu")
    try:
        return float(int(str(cpu))) / vcpus(instance_type)
    except (ValueError, TypeError, ZeroDivisionError, ComponentArgumentError):  # unreadable: no ceiling
        return None


def _requirement(spec: Mapping[str, Any], key: str) -> list[str]:
    template = ((spec.get("template") or {}).get("spec")) or {}
    for requirement in template.get("requirements") or []:
        if requirement.get("key") == key and requirement.get("operator") == "In":
            return [str(v) for v in requirement.get("values") or []]
    return []


def _ingress_lb(cloud: str) -> str:
    # The load balancer a cloud gives: an ALB (AWS Load Balancer Controller), an external
    # Application Load Balancer forwarding rule (GKE Ingress), an Azure Standard Load Balancer.
    return {"aws": "alb", "gcp": "gclb-forwarding-rule", "azure": "standard-lb"}.get(cloud, "load-balancer")


def _alb_group(resource: Mapping[str, Any]) -> str:
    if resource.get("type") != INGRESS:
        return ""
    metadata = (resource.get("inputs") or {}).get("metadata") or {}
    return str((metadata.get("annotations") or {}).get(ALB_GROUP) or "")


def _ingress_sku(inputs: Mapping[str, Any], cloud: str) -> str | None:
    """The load balancer an Ingress gets by its class (None: its controller's, shared); without a
    class, the cloud's."""
    annotations = (inputs.get("metadata") or {}).get("annotations") or {}
    ingress_class = (inputs.get("spec") or {}).get("ingressClassName") or annotations.get(
        "kubernetes.io/ingress.class"
    )
    return _CLASS_LB.get(str(ingress_class)) if ingress_class else _ingress_lb(cloud)


def items(
    resource: Mapping[str, Any], where: tuple[str, str] | None, shares_load_balancer: bool = False
) -> list[Item]:
    """What one plan resource costs per month, as priced items (empty for free resources, and for an
    Ingress whose load balancer another resource's row carries: `shares_load_balancer`)."""
    kind, inputs, name = (
        str(resource.get("type", "")),
        resource.get("inputs") or {},
        str(resource.get("name", "")),
    )
    if where is None:
        cloud, region = "", ""
    else:
        cloud, region = where
    if kind == "aws:eks/nodeGroup:NodeGroup":
        scaling = inputs.get("scalingConfig") or {}
        capacity: Capacity = "spot" if inputs.get("capacityType") == "SPOT" else "on-demand"
        return [
            Item(
                "nodes",
                f"EKS node group {sku}",
                "aws",
                region,
                "compute",
                sku,
                _num(scaling.get("desiredSize")),
                capacity,
                _num(scaling.get("maxSize")),
            )
            for sku in (inputs.get("instanceTypes") or [])[:1]
        ]
    if kind == "kubernetes:karpenter.sh/v1:NodePool":
        spec = inputs.get("spec") or {}
        types = _requirement(spec, "node.kubernetes.io/instance-type")
        capacity = "spot" if _requirement(spec, "karpenter.sh/capacity-type") == ["spot"] else "on-demand"
        if not types:
            return [
                Item(
                    "nodes",
                    f"Karpenter NodePool {name} (instance types not pinned)",
                    cloud,
                    region,
                    "compute",
                    "",
                    0.0,
                    capacity,
                    None,
                )
            ]
        return [
            Item(
                "nodes",
                f"Karpenter NodePool {types[0]}",
                cloud,
                region,
                "compute",
                types[0],
                0.0,
                capacity,
                _karpenter_ceiling(spec, types[0]),
            )
        ]
    if kind == "gcp:container/nodePool:NodePool":
        return [_gke_pool(inputs, region)]
    if kind == "azure-native:containerservice:AgentPool":
        return [_aks_pool(inputs, region, f"AKS agent pool {inputs.get('vmSize')}")]
    if kind == "azure-native:containerservice:ManagedCluster":
        tier = str((inputs.get("sku") or {}).get("tier") or "Free").lower()
        out = [
            Item(
                "control-plane",
                f"AKS control plane ({tier} tier)",
                "azure",
                region,
                "control-plane",
                f"aks-{tier}",
                1.0,
            )
        ]
        out += [
            _aks_pool(p, region, f"AKS agent pool {p.get('vmSize')}")
            for p in inputs.get("agentPoolProfiles") or []
        ]
        return out
    if kind == "aws:eks/cluster:Cluster":
        return [
            Item(
                "control-plane",
                "EKS control plane",
                "aws",
                region,
                "control-plane",
                "eks-standard-support",
                1.0,
            )
        ]
    if kind == "gcp:container/cluster:Cluster":
        return [Item("control-plane", "GKE control plane", "gcp", region, "control-plane", "gke", 1.0)]
    if kind == "aws:ec2/natGateway:NatGateway":
        return [
            Item(
                "nat-gateway",
                "NAT gateway (hours; data processed not included)",
                "aws",
                region,
                "nat-gateway",
                "nat-gateway",
                1.0,
            )
        ]
    if kind == "aws:ec2/instance:Instance":
        sku = str(inputs.get("instanceType", ""))
        return [Item("instance", f"EC2 instance {sku}", "aws", region, "compute", sku, 1.0)]
    if kind == "gcp:compute/instance:Instance":
        sku = str(inputs.get("machineType", ""))
        return [Item("instance", f"GCE instance {sku}", "gcp", region, "compute", sku, 1.0)]
    if kind == "aws:lb/loadBalancer:LoadBalancer":
        sku = {"network": "nlb", "gateway": "gwlb"}.get(str(inputs.get("loadBalancerType")), "alb")
        return [
            Item(
                "load-balancer",
                f"load balancer ({sku}; hours, capacity units not included)",
                "aws",
                region,
                "load-balancer",
                sku,
                1.0,
            )
        ]
    if kind == INGRESS or (
        kind == "kubernetes:core/v1:Service" and (inputs.get("spec") or {}).get("type") == "LoadBalancer"
    ):
        what = "Ingress" if kind == INGRESS else "Service type LoadBalancer"
        balancer = (
            _ingress_sku(inputs, cloud)
            if what == "Ingress"
            else {"aws": "nlb"}.get(cloud, _ingress_lb(cloud))
        )
        if balancer is None or shares_load_balancer:
            return []
        group = f", IngressGroup {_alb_group(resource)}" if _alb_group(resource) else ""
        return [
            Item(
                "load-balancer",
                f"load balancer for {what} {name} ({balancer}{group}; hours only)",
                cloud,
                region,
                "load-balancer",
                balancer,
                1.0,
            )
        ]
    if kind == "aws:s3/bucket:Bucket":
        return [Item("storage", "S3 Standard storage", "aws", region, "object-storage", "s3-standard", None)]
    if kind == "gcp:storage/bucket:Bucket":
        sku = f"gcs-{str(inputs.get('storageClass') or 'STANDARD').lower()}"
        location = str(inputs.get("location") or region).lower()
        return [Item("storage", f"Cloud Storage {sku}", "gcp", location, "object-storage", sku, None)]
    if kind == "azure-native:storage:StorageAccount":
        redundancy = str((inputs.get("sku") or {}).get("name") or "").split("_")[-1].lower()
        tier = str(inputs.get("accessTier") or "Hot").lower()
        sku = f"blob-{tier}-{redundancy}"
        return [
            Item(
                "storage",
                f"Blob storage {sku}",
                "azure",
                str(inputs.get("location") or region),
                "object-storage",
                sku,
                None,
            )
        ]
    return []


def _gke_pool(inputs: Mapping[str, Any], region: str) -> Item:
    """A GKE node pool's node counts: `total*NodeCount` are pool totals, `min/maxNodeCount` and
    `nodeCount` count per zone (pulumi-gcp NodePoolAutoscaling, google.container.v1), so they are
    multiplied by `nodeLocations` when the plan names them, else shown as a per-zone lower bound."""
    config = inputs.get("nodeConfig") or {}
    autoscaling = inputs.get("autoscaling")
    zones = len(inputs.get("nodeLocations") or []) or None
    per_zone = False
    if isinstance(autoscaling, dict) and "totalMinNodeCount" in autoscaling:
        low, high = _num(autoscaling.get("totalMinNodeCount")), _num(autoscaling.get("totalMaxNodeCount"))
    else:
        if isinstance(autoscaling, dict):
            low, high = _num(autoscaling.get("minNodeCount")), _num(autoscaling.get("maxNodeCount"))
        else:
            low = high = _num(inputs.get("nodeCount", inputs.get("initialNodeCount")))
        per_zone = True
        low, high = (
            (low * (zones or 1) if low is not None else None),
            (high * (zones or 1) if high is not None else None),
        )
    capacity: Capacity = "spot" if config.get("spot") or config.get("preemptible") else "on-demand"
    sku = str(config.get("machineType") or "")
    label = f"GKE node pool {sku or '(machine type not set: GKE default)'}"
    if per_zone and zones is None:
        label += " (counts per zone; zones not in the plan)"
    return Item("nodes", label, "gcp", region, "compute", sku, low, capacity, high)


def _aks_pool(profile: Mapping[str, Any], region: str, label: str) -> Item:
    capacity: Capacity = "spot" if profile.get("scaleSetPriority") == "Spot" else "on-demand"
    if profile.get("enableAutoScaling"):
        low, high = _num(profile.get("minCount")), _num(profile.get("maxCount"))
    else:
        low = high = _num(profile.get("count"))
    return Item(
        "nodes", label, "azure", region, "compute", str(profile.get("vmSize", "")), low, capacity, high
    )


# --- pricing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Priced:
    item: Item
    price: Price | None  # in the capacity type the item runs in
    on_demand: Price | None
    spot: Price | None


def _price(table: PriceTable, item: Item) -> _Priced:
    def find(capacity: Capacity) -> Price | None:
        return table.find(item.cloud, item.service, item.sku, item.region, capacity)

    on_demand = find("on-demand")
    # Spot applies to nodes and instances only; other services have one price.
    spot = find("spot") if item.kind in ("nodes", "instance") else on_demand
    return _Priced(item, spot if item.capacity == "spot" else on_demand, on_demand, spot)


def _side_monthly(side: _Priced | None, price: Price | None, quantity: float | None) -> float | None:
    if side is None or quantity == 0:
        return 0.0  # nothing on this side, or no node running: no cost whatever the price
    if price is None or quantity is None:
        return None
    return price.monthly(quantity)


def _delta(before: _Priced | None, after: _Priced | None, pick: str, ceiling: bool = False) -> float | None:
    """Head minus base for one price column ("on_demand", "spot" or "run": the capacity type the
    item runs in); None when either side has no price or no quantity."""
    values: list[float | None] = []
    for side in (after, before):
        if side is None:
            values.append(0.0)
            continue
        price = {"on_demand": side.on_demand, "spot": side.spot, "run": side.price}[pick]
        values.append(_side_monthly(side, price, side.item.ceiling if ceiling else side.item.quantity))
    new, old = values
    if new is None or old is None:
        return None
    return new - old


def _line(
    stack: str, action: str, rtype: str, name: str, before: _Priced | None, after: _Priced | None
) -> CostLine:
    """One row: head minus base for a resource (base only for a delete, head only for a create)."""
    current = after or before
    assert current is not None
    item = current.item
    notes = []
    if item.quantity is None:
        notes.append("per GB-month; usage unknown")
    at_limit = None
    if item.ceiling is not None:
        notes.append(f"{item.quantity or 0:g} to {item.ceiling:g} nodes")
        at_limit = _delta(before, after, "run", ceiling=True)
        if at_limit is None and item.capacity == "spot":
            at_limit = _delta(before, after, "on_demand", ceiling=True)
            if at_limit is not None:
                notes.append("limit priced on-demand: no spot price")
    if before and after and (before.item.sku, before.item.capacity) != (after.item.sku, after.item.capacity):
        notes.append(f"was {before.item.sku} {before.item.capacity}")
    return CostLine(
        stack=stack,
        action=action,
        type=rtype,
        name=name,
        label=item.label,
        kind=item.kind,
        capacity=item.capacity,
        on_demand_price=current.on_demand,
        spot_price=current.spot if item.kind in ("nodes", "instance") else None,
        on_demand=_delta(before, after, "on_demand"),
        spot=_delta(before, after, "spot")
        if item.kind in ("nodes", "instance")
        else _delta(before, after, "on_demand"),
        at_limit=at_limit,
        note="; ".join(notes),
        limited=item.ceiling is not None,
        usage_unknown=item.quantity is None,
    )


def _resource_lines(
    stack: str,
    action: str,
    base: Mapping[str, Any] | None,
    head: Mapping[str, Any] | None,
    base_index: _PlanIndex | None,
    head_index: _PlanIndex | None,
    table: PriceTable,
) -> list[CostLine]:
    before, after = (
        [_price(table, i) for i in items(side, index.location(side), index.shares_load_balancer(side))]
        if side and index
        else []
        for side, index in ((base, base_index), (head, head_index))
    )
    resource = head or base
    assert resource is not None
    rtype, name = str(resource.get("type", "")), str(resource.get("name", ""))
    lines: list[CostLine] = []
    # Pair the items of both sides by position (a resource yields the same items in the same order).
    for index in range(max(len(before), len(after))):
        old = before[index] if index < len(before) else None
        new = after[index] if index < len(after) else None
        if old and new and old.item == new.item:
            if action == "update":
                continue  # unchanged size, count and capacity: no cost change
            # Replaced by the same thing: nothing changes monthly, whatever the price.
            same = {**_SAME, "at_limit": 0.0 if new.item.ceiling is not None else None}
            lines.append(dataclasses.replace(_line(stack, action, rtype, name, old, new), **same))
            continue
        lines.append(_line(stack, action, rtype, name, old, new))
    return lines


def stack_cost(
    diff: StackDiff,
    base: Mapping[str, Any] | None,
    head: Mapping[str, Any] | None,
    table: PriceTable | None = None,
) -> StackCost:
    """The cost rows of one stack's diff; `base`/`head` are that stack's plans (None on one side for
    an added or removed stack)."""
    table = table or default_table()
    base_index = _PlanIndex(base) if base else None
    head_index = _PlanIndex(head) if head else None
    base_resources = {r["urn"]: r for r in (base or {}).get("resources", [])}
    head_resources = {r["urn"]: r for r in (head or {}).get("resources", [])}
    out = StackCost(diff.stack)
    for change in diff.resources:
        new = head_resources.get(change.urn) if change.action != "delete" else None
        old = base_resources.get(change.urn) if change.action == "delete" else None
        if change.action in ("update", "replace"):
            old = base_resources.get(change.urn) or _aliased(change.urn, head_resources, base_resources)
        out.lines.extend(_resource_lines(diff.stack, change.action, old, new, base_index, head_index, table))
    return out


def _aliased(
    urn: str, head: Mapping[str, Mapping[str, Any]], base: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    for alias in head.get(urn, {}).get("aliases") or []:
        if alias in base:
            return base[alias]
    return None


def cost_delta(
    diffs: Sequence[StackDiff], base: Plans, head: Plans, table: PriceTable | None = None
) -> list[StackCost]:
    """Per stack, the monthly cost change of what the diff creates, replaces, deletes or resizes."""
    return [stack_cost(d, base.get(d.stack), head.get(d.stack), table) for d in diffs if d.has_changes]


# --- rendering ----------------------------------------------------------------------------------


def _usd(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "no price"
    if signed and abs(value) < 0.005:
        return "$0"
    sign = "+" if signed and value > 0 else "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def _unit(price: Price | None) -> str:
    if price is None:
        return "no price"
    amount = f"${price.usd:.4f}".rstrip("0").rstrip(".") if price.usd else "$0"
    return f"{amount}/{'h' if price.unit == 'hour' else price.unit}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_cost_markdown(
    costs: Iterable[StackCost], table: PriceTable | None = None, max_rows: int = MAX_ROWS
) -> str:
    """The PR comment's cost section: one capped table of rows, a total per stack, the price
    table's dates, and every "no price" row named."""
    table = table or default_table()
    stacks = [c for c in costs if c.lines]
    if not stacks:
        return ""
    dates = table.dates()
    when = (
        f"{dates[0]} to {dates[1]}"
        if dates and dates[0] != dates[1]
        else (dates[0] if dates else "no prices")
    )
    lines = [
        "",
        "#### Cost delta (monthly, USD)",
        "",
        f"From the price table in `components/pricing/prices.json` (prices dated {when}; "
        f"{HOURS_PER_MONTH} h/month). Pools that scale from zero add nothing while idle: "
        "their row shows the node-hour price and the cost at the pool's limit.",
        "",
        "| stack | | item | runs as | unit price (on-demand / spot) | on-demand | spot | at limit |",
        "| --- | --- | --- | --- | --- | ---: | ---: | ---: |",
    ]
    symbols = {"create": "+", "delete": "-", "replace": "+-", "update": "~"}
    rows = [line for cost in stacks for line in cost.lines]
    for line in rows[:max_rows]:
        unit = _unit(line.on_demand_price) + (
            f" / {_unit(line.spot_price)}" if line.kind in ("nodes", "instance") else ""
        )
        item = line.label + (f" ({line.note})" if line.note else "")
        runs_as = line.capacity if line.kind in ("nodes", "instance") else ""
        limit = _usd(line.at_limit) if line.at_limit is not None else ""
        on_demand, spot = _usd(line.on_demand), _usd(line.spot)
        if line.usage_unknown and line.priced:
            on_demand = spot = "per GB stored"  # usage a plan does not state
        cells = [
            f"`{_cell(line.stack)}`",
            symbols.get(line.action, line.action),
            f"{_cell(item)} `{_cell(line.name)}`",
            runs_as,
            unit,
            on_demand,
            spot,
            limit,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > max_rows:
        lines.append(
            f"| | | … {len(rows) - max_rows} more row(s): run `mlfleet diff` locally for all | | | | | |"
        )
    for cost in stacks:
        lines.append(
            f"| `{_cell(cost.stack)}` | **total** | | | | **{_total(cost, 'on_demand')}** | "
            f"**{_total(cost, 'spot')}** | {_total(cost, 'at_limit')} |"
        )
    missing = [line for cost in stacks for line in cost.unpriced]
    if missing:
        names = ", ".join(f"`{_cell(m.name)}` ({_cell(m.label)})" for m in missing[:max_rows])
        more = f" and {len(missing) - max_rows} more" if len(missing) > max_rows else ""
        lines += ["", f"No price in the table for: {names}{more}. Add them with `scripts/refresh_prices.py`."]
    return "\n".join(lines) + "\n"


def _total(cost: StackCost, column: str) -> str:
    if column == "at_limit" and not any(line.limited for line in cost.lines):
        return ""  # no pool changed: no limit to show
    amount, missing = cost.total(column)
    return _usd(amount) + (f" + {missing} unpriced" if missing else "")


def cost_markdown(diffs: Sequence[StackDiff], base: Plans, head: Plans) -> str:
    """The PR comment's cost section for these diffs and plans ("" when nothing priced changed)."""
    return render_cost_markdown(cost_delta(diffs, base, head))
