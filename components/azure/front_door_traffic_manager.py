"""The front door on Azure Traffic Manager: one profile (routing Priority for active-passive,
Weighted or Performance for active-active) with an external endpoint per cell (target: the cell's
own serving hostname), monitoring HTTPS on 443 at the serving readiness path, and a CNAME from the
global hostname to the profile's `<name>.trafficmanager.net` in the stack's Azure DNS zone.

Monitor settings (learn.microsoft.com/azure/traffic-manager/traffic-manager-monitoring): interval 10
or 30 s; an endpoint is degraded after more than `toleratedNumberOfFailures` (0-9) consecutive
failures, so tolerated = failure threshold - 1; the probe timeout is 5-10 s at a 30 s interval and
5-9 s at 10 s. Each endpoint's probe sends the cell's hostname as Host (a custom header), the name
its Ingress answers. Types: pulumi-azure-native 3.29 trafficmanager.Profile, dns.RecordSet.
"""

from __future__ import annotations

import pulumi_azure_native as azure_native

from components.context import PlatformContext
from components.front_door import EQUAL_WEIGHT, HTTPS_PORT, FrontDoor, FrontDoorArgs
from components.target import CloudTarget

EXTERNAL_ENDPOINT = "Microsoft.Network/trafficManagerProfiles/externalEndpoints"
ROUTING_METHOD = {"active-passive": "Priority", "weighted": "Weighted", "latency": "Performance"}
# The longest probe timeout each interval allows (see the module docstring).
PROBE_TIMEOUT = {10: 9, 30: 10}


class TrafficManagerFrontDoor(FrontDoor):
    def _build(
        self, name: str, args: FrontDoorArgs, zone_id: str, target: CloudTarget, context: PlatformContext
    ) -> dict[str, str]:
        tm = azure_native.trafficmanager
        method = ROUTING_METHOD["active-passive" if args.mode == "active-passive" else args.routing]
        endpoints = [
            tm.EndpointArgs(
                name=endpoint.cell,
                type=EXTERNAL_ENDPOINT,
                target=endpoint.hostname,
                endpoint_status="Enabled",
                custom_headers=[
                    tm.EndpointPropertiesCustomHeadersItemArgs(name="host", value=endpoint.hostname)
                ],
                **(
                    {"priority": args.priority(endpoint)}
                    if method == "Priority"
                    else {"weight": EQUAL_WEIGHT}
                    if method == "Weighted"
                    else {"endpoint_location": endpoint.region}
                ),
            )
            for endpoint in args.endpoints
        ]
        profile = tm.Profile(
            name,
            profile_name=name,
            resource_group_name=target.resource_group_name,  # type: ignore[arg-type]
            location="global",
            profile_status="Enabled",
            traffic_routing_method=method,
            dns_config=tm.DnsConfigArgs(relative_name=name, ttl=args.ttl),
            monitor_config=tm.MonitorConfigArgs(
                protocol="HTTPS",
                port=HTTPS_PORT,
                path=args.health_path,
                interval_in_seconds=args.interval,
                tolerated_number_of_failures=args.failure_threshold - 1,
                timeout_in_seconds=PROBE_TIMEOUT[args.interval],
            ),
            endpoints=endpoints,
            tags=context.tags(),
            opts=target.opts(self),
        )
        azure_native.dns.RecordSet(
            f"{name}-cname",
            resource_group_name=zone_id,
            zone_name=args.zone_domain,
            relative_record_set_name=args.relative_name,
            record_type="CNAME",
            ttl=args.ttl,
            cname_record=azure_native.dns.CnameRecordArgs(cname=f"{name}.trafficmanager.net"),
            opts=target.opts(self, depends_on=[profile]),
        )
        return {endpoint.cell: endpoint.cell for endpoint in args.endpoints}
