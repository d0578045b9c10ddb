"""FrontDoor: health-checked global routing from one hostname to the cells' serving hostnames.

Same shape on every provider (`mlfleet:<cloud>:FrontDoor`): one health check per cell on the serving
app's readiness path over HTTPS, and the global name answering with the healthy cells, either all of
them (active-active: weighted, or latency where the provider can measure it) or the primary and, when
it fails, the standby (active-passive).

- route53 (aws): an `aws.route53.HealthCheck` per cell, and a CNAME record per cell with a failover,
  weighted or latency policy carrying that cell's health check;
- trafficmanager (azure): a profile (Priority, Weighted or Performance) monitoring an external endpoint
  per cell, and a CNAME from the hostname to the profile in Azure DNS.

Detection of a dead cell takes about interval x failure threshold; resolvers may keep the old answer
for the TTL on top (docs/multi-cloud.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi

from components.cloud_dispatch import require_cloud
from components.context import Cloud, PlatformContext
from components.errors import ComponentArgumentError
from components.kubernetes.ingress_flavor import READINESS_PATH
from components.target import CloudTarget

COMPONENT = "FrontDoor"
FrontDoorMode = Literal["active-active", "active-passive"]
FrontDoorRouting = Literal["weighted", "latency"]
CellRole = Literal["primary", "active", "standby"]
# Each cell's share under weighted routing: equal, so every healthy cell serves alike.
EQUAL_WEIGHT = 1
HTTPS_PORT = 443


@dataclass(frozen=True)
class FrontDoorEndpoint:
    """One cell behind the door: its name, its own serving hostname, role and cloud region."""

    cell: str
    hostname: str
    role: CellRole
    cloud: Cloud
    region: str


@dataclass(frozen=True)
class FrontDoorArgs:
    hostname: str
    # The public zone the hostname lives in (domain, and the provider's id for it).
    zone_domain: str
    endpoints: tuple[FrontDoorEndpoint, ...]
    mode: FrontDoorMode = "active-active"
    routing: FrontDoorRouting = "weighted"
    interval: int = 30
    failure_threshold: int = 3
    ttl: int = 60
    # route53: the hosted zone id; trafficmanager: the Azure DNS zone's resource group.
    zone_id: str | None = None
    # The serving app's readiness endpoint, defined once (components/kubernetes/ingress_flavor.py).
    health_path: str = READINESS_PATH

    def __post_init__(self) -> None:
        if len(self.endpoints) < 2:
            raise ComponentArgumentError(
                COMPONENT, "endpoints", f"has {len(self.endpoints)} cells", "route between 2 or more cells"
            )
        if not self.hostname.endswith("." + self.zone_domain):
            raise ComponentArgumentError(
                COMPONENT,
                "hostname",
                f"is {self.hostname!r}, not below the zone {self.zone_domain!r}",
                "use a name inside the zone (a CNAME cannot sit at the apex)",
            )
        if self.mode == "active-passive" and [e.role for e in self.endpoints].count("primary") != 1:
            raise ComponentArgumentError(
                COMPONENT, "endpoints", "have no single primary", "mark exactly one cell primary"
            )

    @property
    def detection_seconds(self) -> int:
        """How long a dead cell keeps receiving new lookups: interval x failure threshold."""
        return self.interval * self.failure_threshold

    @property
    def failover_seconds(self) -> int:
        """Until every resolver has dropped the dead cell: detection plus the answer's TTL."""
        return self.detection_seconds + self.ttl

    @property
    def relative_name(self) -> str:
        """The hostname inside its zone (`serving` for serving.example.com in example.com)."""
        return self.hostname.removesuffix("." + self.zone_domain)

    def priority(self, endpoint: FrontDoorEndpoint) -> int:
        """Failover order: the primary first, then the standbys in the order given."""
        ordered = sorted(self.endpoints, key=lambda e: e.role != "primary")
        return ordered.index(endpoint) + 1


class FrontDoor(pulumi.ComponentResource):
    """`mlfleet:<cloud>:FrontDoor`: each provider's module implements `_build` (its resources, children
    of this component) and returns the name of each cell's record or endpoint."""

    def __init__(
        self,
        name: str,
        args: FrontDoorArgs,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(f"mlfleet:{target.cloud}:FrontDoor", name, None, opts)
        # The provider's DNS zone: load_config requires mlfleet:dns.zoneId / resourceGroup for the cell.
        if args.zone_id is None:
            raise ComponentArgumentError(COMPONENT, "zone_id", "is not set", "pass the provider's zone id")
        # Per cell: the name of its record (route53 set identifier) or endpoint (trafficmanager).
        self.endpoint_names: dict[str, str] = self._build(name, args, args.zone_id, target, context)
        self.hostname: pulumi.Output[str] = pulumi.Output.from_input(args.hostname)
        self.register_outputs({"hostname": self.hostname, "endpoint_names": self.endpoint_names})

    def _build(
        self, name: str, args: FrontDoorArgs, zone_id: str, target: CloudTarget, context: PlatformContext
    ) -> dict[str, str]:
        raise NotImplementedError


def front_door(
    name: str,
    provider: Literal["route53", "trafficmanager"],
    args: FrontDoorArgs,
    target: CloudTarget,
    context: PlatformContext,
    opts: pulumi.ResourceOptions | None = None,
) -> FrontDoor:
    """The front door on `provider`, created with the target's (AWS or Azure) provider."""
    if provider == "route53":
        require_cloud(COMPONENT, target.cloud, ("aws",))
        from components.aws.front_door_route53 import Route53FrontDoor

        return Route53FrontDoor(name, args, target, context, opts)
    require_cloud(COMPONENT, target.cloud, ("azure",))
    from components.azure.front_door_traffic_manager import TrafficManagerFrontDoor

    return TrafficManagerFrontDoor(name, args, target, context, opts)
