"""The stack's front door (mlfleet:frontDoor): global routing above the cells, built once per stack
on the provider of the first cell of its cloud (route53: aws, trafficmanager: azure)."""

from __future__ import annotations

from typing import Any

from components.context import PlatformContext
from components.front_door import FrontDoorArgs, FrontDoorEndpoint, front_door
from components.topology.cells import Cell, cell_config
from components.topology.config import FRONT_DOOR_CLOUD, PlatformConfig, front_door_hostname
from components.topology.providers import Providers


def build_front_door(
    config: PlatformConfig, context: PlatformContext, cells: list[Cell], providers: Providers
) -> dict[str, Any]:
    """The front door's stack outputs: `frontDoorHostname`, `frontDoorEndpoints` ({cell: name}) and the
    expected `frontDoorDetectionSeconds` / `frontDoorFailoverSeconds`."""
    door = config.front_door
    if door is None:
        return {}
    dns = config.dns
    assert dns is not None  # load_config requires mlfleet:dns for every cloud cell
    home = next(c for c in cells if c.cloud == FRONT_DOOR_CLOUD[door.provider])
    args = FrontDoorArgs(
        hostname=front_door_hostname(config, context.stack),
        zone_domain=dns.zone,
        zone_id=dns.zone_id if door.provider == "route53" else dns.resource_group,
        endpoints=tuple(
            FrontDoorEndpoint(
                cell=c.name,
                hostname=cell_config(config, c, context.stack).serving.hostname or "",
                role=c.role,
                cloud=c.cloud,
                region=c.region,
            )
            for c in cells
        ),
        mode=door.mode,
        routing=door.routing,
        interval=door.interval,
        failure_threshold=door.failure_threshold,
        ttl=door.ttl,
    )
    target = providers.target(home.cloud, home.region, home.gcp_project)
    built = front_door(context.name("frontdoor"), door.provider, args, target, context)
    return {
        "frontDoorHostname": built.hostname,
        "frontDoorEndpoints": built.endpoint_names,
        # Expected, from the config (docs/multi-cloud.md): detection, and detection + DNS TTL.
        "frontDoorDetectionSeconds": args.detection_seconds,
        "frontDoorFailoverSeconds": args.failover_seconds,
    }
