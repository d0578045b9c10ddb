"""The front door on Route 53: a health check per cell and one CNAME record per cell for the global
hostname, each carrying the cell's health check and a routing policy (failover PRIMARY/SECONDARY,
weighted, or latency by the cell's AWS region).

Health checks: HTTPS to the cell's own serving hostname on 443 with SNI (the Ingress's certificate
is for that name), `resource_path` the serving readiness path; RequestInterval 10 or 30 s and
FailureThreshold 1-10 (AWS Route 53 Developer Guide, dns-failover-determining-health-of-endpoints;
Route 53 API HealthCheckConfig; pulumi-aws 7.51 route53/health_check.py). A CNAME, not an alias: the
cells' load balancers are not all AWS resources in this account's zone.
"""

from __future__ import annotations

import pulumi_aws as aws

from components.context import PlatformContext
from components.front_door import EQUAL_WEIGHT, HTTPS_PORT, FrontDoor, FrontDoorArgs, FrontDoorEndpoint
from components.target import CloudTarget


class Route53FrontDoor(FrontDoor):
    def _build(
        self, name: str, args: FrontDoorArgs, zone_id: str, target: CloudTarget, context: PlatformContext
    ) -> dict[str, str]:
        for endpoint in args.endpoints:
            check = aws.route53.HealthCheck(
                f"{name}-{endpoint.cell}",
                type="HTTPS",
                fqdn=endpoint.hostname,
                port=HTTPS_PORT,
                resource_path=args.health_path,
                enable_sni=True,
                request_interval=args.interval,
                failure_threshold=args.failure_threshold,
                tags={"Name": f"{name}-{endpoint.cell}"},
                opts=target.opts(self),
            )
            aws.route53.Record(
                f"{name}-{endpoint.cell}",
                zone_id=zone_id,
                name=args.hostname,
                type="CNAME",
                ttl=args.ttl,
                records=[endpoint.hostname],
                set_identifier=endpoint.cell,
                health_check_id=check.id,
                failover_routing_policies=_failover(args, endpoint),
                latency_routing_policies=_latency(args, endpoint),
                weighted_routing_policies=_weighted(args),
                opts=target.opts(self),
            )
        return {endpoint.cell: endpoint.cell for endpoint in args.endpoints}


# One routing policy per record: failover (active-passive), else latency or weighted (active-active).
def _failover(
    args: FrontDoorArgs, cell: FrontDoorEndpoint
) -> list[aws.route53.RecordFailoverRoutingPolicyArgs] | None:
    if args.mode != "active-passive":
        return None
    return [
        aws.route53.RecordFailoverRoutingPolicyArgs(type="PRIMARY" if cell.role == "primary" else "SECONDARY")
    ]


def _latency(
    args: FrontDoorArgs, cell: FrontDoorEndpoint
) -> list[aws.route53.RecordLatencyRoutingPolicyArgs] | None:
    if args.mode == "active-passive" or args.routing != "latency":
        return None
    return [aws.route53.RecordLatencyRoutingPolicyArgs(region=cell.region)]


def _weighted(args: FrontDoorArgs) -> list[aws.route53.RecordWeightedRoutingPolicyArgs] | None:
    if args.mode == "active-passive" or args.routing != "weighted":
        return None
    return [aws.route53.RecordWeightedRoutingPolicyArgs(weight=EQUAL_WEIGHT)]
