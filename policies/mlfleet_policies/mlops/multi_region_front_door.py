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
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # Pulumi's unknown-value sentinel
SYNC_TYPES = (
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    "gcp:storagetransfer/transferJob:TransferJob",
    "azure-native:storage:ObjectReplicationPolicy",
)


def normalized_region(cloud: str, value: object) -> str:
    """`West Europe` and `westeurope` are one region; the GKE zone `europe-west1-b` is in `europe-west1`."""
    text = str(value or "").strip().lower().replace(" ", "")
    if not text or text == UNKNOWN:
        return ""
    if cloud == "gcp" and text.count("-") == 2 and len(text.rsplit("-", 1)[1]) == 1:
        text = text.rsplit("-", 1)[0]
    return text


def cluster_region(cluster: PolicyResource) -> str:
    """The cluster's own location, else its provider's (explicit or default); "" when unknown."""
    cloud = CLUSTER_CLOUDS[cluster.resource_type]
    own = get(cluster.props, "location") or get(cluster.props, "region")
    provider = cluster.provider
    key = REGION_KEYS.get(provider.resource_type, "") if provider is not None else ""
    configured = get(provider.props, key) if provider is not None and key else None
    return normalized_region(cloud, own) or normalized_region(cloud, configured)


def regions(index: StackIndex) -> set[str]:
    """Where clusters run, as `cloud:region`. A cluster whose region is unknown never counts as another
    region: it is ignored when its cloud has a known region, and counts once as `cloud:(region unknown)`
    only when nothing of that cloud has one (another cloud is another place, whatever the region)."""
    known: dict[str, set[str]] = {}
    for cluster in index.of_type(*CLUSTER_CLOUDS):
        cloud = CLUSTER_CLOUDS[cluster.resource_type]
        region = cluster_region(cluster)
        known.setdefault(cloud, set())
        if region:
            known[cloud].add(region)
    return {f"{cloud}:{r}" for cloud, found in known.items() for r in (found or {"(region unknown)"})}


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
