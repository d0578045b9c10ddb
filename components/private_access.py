"""PrivateAccess: the path from a cell's cluster network to the cell's services that are closed to
public networks (container registry, key vault, object storage).

The cluster block exposes its network (`network_id`) and a subnet for the endpoints
(`private_endpoint_subnet_id`); this block gives each service a private address in that subnet and
the DNS that makes the service's usual hostname resolve to it inside the network, so pods, kubelet
image pulls and the registry library keep using the ordinary URLs.

Azure: a private endpoint per service, a `privatelink.*` private DNS zone per service kind linked
to the VNet, and a DNS zone group on each endpoint that keeps the zone's A records
(components/azure/private_endpoints.py). AWS and GCP cells do not close their registry, KMS and
bucket to the cluster's network (they are reached on their regional endpoints with IAM), so the
topology creates this block only for clusters that expose an endpoint subnet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

import pulumi

from components.cloud_dispatch import require_cloud
from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.target import CloudTarget

COMPONENT = "PrivateAccess"
ServiceKind = Literal["registry", "vault", "blob"]
SERVICE_KINDS: tuple[ServiceKind, ...] = ("registry", "vault", "blob")


@dataclass(frozen=True)
class PrivateService:
    """One closed service: what kind it is and its resource id (Azure: the ARM id)."""

    kind: ServiceKind
    resource_id: pulumi.Input[str]


@dataclass(frozen=True)
class PrivateAccessArgs:
    # The cluster network (Azure: VNet id) whose DNS resolves the services privately.
    network_id: pulumi.Input[str]
    # The subnet the services' private addresses come from.
    subnet_id: pulumi.Input[str]
    # By short name (used in resource names), e.g. {"images": ..., "key": ..., "models": ...}.
    services: Mapping[str, PrivateService]

    def __post_init__(self) -> None:
        if not self.services:
            raise ComponentArgumentError(
                COMPONENT, "services", "is empty", "pass the cell's registry, key vault and bucket"
            )
        for service_name, service in self.services.items():
            if service.kind not in SERVICE_KINDS:
                raise ComponentArgumentError(
                    COMPONENT,
                    f"services.{service_name}.kind",
                    f"is {service.kind!r}",
                    f"use one of {', '.join(SERVICE_KINDS)}",
                )


class PrivateAccess(Protocol):
    """What every cloud's private access provides: the private endpoint id per service name."""

    endpoint_ids: dict[str, pulumi.Output[str]]


def private_access(
    name: str,
    args: PrivateAccessArgs,
    target: CloudTarget,
    context: PlatformContext,
    opts: pulumi.ResourceOptions | None = None,
) -> PrivateAccess:
    require_cloud(COMPONENT, target.cloud, ("azure",))
    from components.azure.private_endpoints import AzurePrivateEndpoints

    return AzurePrivateEndpoints(name, args, target, context, opts)
