"""A prod stack spanning several regions/clouds has a health-checked front door and registry sync."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.mlops.placement import CLUSTER_CLOUDS
from mlfleet_policies.props import PRODUCTION, get
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex

REGION_KEYS = {
    "pulumi:providers:aws": "region",
    "pulumi:providers:gcp": "region",
    "pulumi:providers:azure-native": "location",
}
HEALTH_CHECKED = (
    "aws:route53/healthCheck:HealthCheck",
    "gcp:compute/healthCheck:HealthCheck",
    "azure-native:trafficmanager:Profile",
    "azure-native:cdn:AFDOriginGroup",
)
SYNC_TYPES = (
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    "gcp:storagetransfer/transferJob:TransferJob",
    "azure-native:storage:ObjectReplicationPolicy",
)


def regions(index: StackIndex) -> set[str]:
    """Where clusters run: the region of each cluster's provider (a replica bucket's region is not one)."""
    found = set()
    for cluster in index.of_type(*CLUSTER_CLOUDS):
        provider = index.by_urn.get(cluster.provider.urn) if cluster.provider is not None else None
        key = REGION_KEYS.get(provider.resource_type, "") if provider is not None else ""
        where = get(provider.props, key) if provider is not None and key else get(cluster.props, "location")
        found.add(f"{CLUSTER_CLOUDS[cluster.resource_type]}:{where or cluster.name}")
    return found


def has_front_door(index: StackIndex) -> bool:
    if any(index.has_ancestor_type(r, ":FrontDoor") for r in index.resources):
        return True
    return any(r.resource_type in HEALTH_CHECKED for r in index.resources)


def has_registry_sync(index: StackIndex) -> bool:
    return any(
        r.resource_type in SYNC_TYPES
        or index.has_ancestor_type(r, ":RegistrySync")
        or r.resource_type.endswith(":RegistrySync")
        for r in index.resources
    )


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    where = regions(index)
    if str(config.get("environment") or index.environment()) not in PRODUCTION or len(where) < 2:
        return
    if not has_front_door(index):
        yield f"prod spans {', '.join(sorted(where))} but has no health-checked front door", None
    if not has_registry_sync(index):
        yield f"prod spans {', '.join(sorted(where))} but has no model registry sync between regions", None


RULE = stack_rule(
    RuleMeta(
        id="mlops-multi-region-front-door",
        description="Multi-region prod stacks must have a health-checked front door and registry sync.",
        severity=Severity.CRITICAL,
        remediation=(
            "Add the topology's front door (Route 53/Cloud LB/Front Door health checks) and the "
            "registry sync block."
        ),
        frameworks=("iso27001",),
        topics=("mlops", "topology", "resilience"),
        assumes="outputs",
    ),
    check,
)
