"""A prod stack spanning several regions/clouds has a health-checked front door and registry sync.

What the door must watch is `front_door_gaps` (defined here, reported by mlops-front-door-readiness
for every stack with a door): where it is Route 53 or Traffic Manager (the topology's FrontDoor,
components/front_door.py), every cell's serving host (the hosts of the stack's Ingresses) must be
health-checked and routed to, and each health check must probe the serving app's readiness path (the
readinessProbe path of the Deployment behind the Ingress). The door's own global name (its records'
name) is not a cell: every cell's Ingress must accept it too, since clients reach each cell with it as
Host and TLS SNI. Other health-checked doors (a GCP load balancer, Azure Front Door) count as present.

A region is never inferred from a name: a cluster's region is its own location or its provider's,
and an unknown region is not a distinct region (`regions`).
"""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.mlops.cells import cross_cell_sync
from mlfleet_policies.mlops.placement import CLUSTER_CLOUDS
from mlfleet_policies.props import PRODUCTION, get, items
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


ROUTE53_CHECK = "aws:route53/healthCheck:HealthCheck"
ROUTE53_RECORD = "aws:route53/record:Record"
TRAFFIC_MANAGER = "azure-native:trafficmanager:Profile"
DNS_RECORD_SET = "azure-native:dns:RecordSet"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
INSTANCE = "app.kubernetes.io/instance"
HTTP_CHECKS = ("HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH")


def serving_hosts(index: StackIndex) -> dict[str, set[str]]:
    """Each public serving host (an Ingress rule's host) with the readiness paths of the Deployments of
    its Ingress's app instance (empty when none is found)."""
    probes: dict[str, set[str]] = {}
    for deployment in index.of_type(DEPLOYMENT):
        instance = (get(deployment.props, "metadata.labels") or {}).get(INSTANCE)
        for container in items(get(deployment.props, "spec.template.spec.containers")):
            path = get(container, "readinessProbe.httpGet.path")
            if instance and path:
                probes.setdefault(instance, set()).add(path)
    hosts: dict[str, set[str]] = {}
    for ingress in index.of_type(INGRESS):
        instance = (get(ingress.props, "metadata.labels") or {}).get(INSTANCE)
        for rule in items(get(ingress.props, "spec.rules")):
            host = get(rule, "host")
            if host:
                hosts.setdefault(host, set()).update(probes.get(instance, set()) if instance else set())
    return hosts


def global_names(index: StackIndex) -> set[str]:
    """The names the door answers: its health-checked Route 53 records' name, the Azure DNS CNAME to a
    Traffic Manager profile."""
    names = {
        str(get(record.props, "name", "")).rstrip(".")
        for record in index.of_type(ROUTE53_RECORD)
        if get(record.props, "healthCheckId") and get(record.props, "setIdentifier")
    }
    names |= {
        f"{get(r.props, 'relativeRecordSetName')}.{get(r.props, 'zoneName')}"
        for r in index.of_type(DNS_RECORD_SET)
        if str(get(r.props, "cnameRecord.cname", "")).rstrip(".").endswith(".trafficmanager.net")
    }
    return names - {""}


def ingresses_without(index: StackIndex, cell_hosts: set[str], names: set[str]) -> list[str]:
    """Cells' Ingresses (those routing a cell host) that do not route every global name."""
    gaps = []
    for ingress in index.of_type(INGRESS):
        hosts = {str(get(rule, "host", "")) for rule in items(get(ingress.props, "spec.rules"))}
        lacking = sorted(names - hosts)
        if hosts & cell_hosts and lacking:
            gaps.append(
                f"Ingress {ingress.name} does not accept the global name {', '.join(lacking)} "
                "(the front door sends clients to the cell with it as Host and SNI)"
            )
    return gaps


def _probe_gap(kind: str, name: str, path: object, expected: set[str]) -> str | None:
    if not path:
        return f"{kind} {name} probes no path (it must probe the serving readiness path)"
    if expected and path not in expected:
        return (
            f"{kind} {name} probes {path!r}, not the serving readiness path {' or '.join(sorted(expected))!r}"
        )
    return None


def front_door_gaps(index: StackIndex) -> list[str]:
    """What the Route 53 / Traffic Manager front door misses: cells it does not health-check and route
    to, health checks that probe something else than the readiness path."""
    checks = [c for c in index.of_type(ROUTE53_CHECK) if str(get(c.props, "type", "")).upper() in HTTP_CHECKS]
    profiles = index.of_type(TRAFFIC_MANAGER)
    if not checks and not profiles:
        return []
    names = global_names(index)
    # The cells' own hosts: every Ingress host but the door's global name, which the cells serve too.
    hosts = {host: paths for host, paths in serving_hosts(index).items() if host not in names}
    expected = set().union(*hosts.values()) if hosts else set()
    routed = {
        str(target)
        for record in index.of_type(ROUTE53_RECORD)
        if get(record.props, "healthCheckId") and get(record.props, "setIdentifier")
        for target in items(get(record.props, "records"))
    }
    probes = [("Route 53 health check", c.name, get(c.props, "resourcePath")) for c in checks] + [
        ("Traffic Manager profile", p.name, get(p.props, "monitorConfig.path")) for p in profiles
    ]
    gaps = [gap for kind, name, path in probes if (gap := _probe_gap(kind, name, path, expected))]
    covered = {str(get(c.props, "fqdn", "")) for c in checks} & routed
    covered |= {str(get(e, "target", "")) for p in profiles for e in items(get(p.props, "endpoints"))}
    missing = sorted(set(hosts) - covered)
    if missing:
        gaps.append(f"the front door does not health-check and route to {', '.join(missing)}")
    return gaps + ingresses_without(index, set(hosts), names)


def has_registry_sync(index: StackIndex) -> bool:
    return cross_cell_sync(index) or any(r.resource_type in SYNC_TYPES for r in index.resources)


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
            "Set mlfleet:frontDoor (Route 53 or Traffic Manager health checks on every cell's serving host "
            "at the readiness path; docs/multi-cloud.md) and add the registry sync block."
        ),
        frameworks=("iso27001",),
        topics=("mlops", "topology", "resilience"),
        assumes="outputs",
    ),
    check,
)
