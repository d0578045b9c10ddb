"""The cell's private service access: the cluster network's path to the cell's closed registry, key
vault and bucket (components/private_access.py). Only clusters that expose an endpoint subnet
(AKS) get it; the other clouds reach these services on their regional endpoints."""

from __future__ import annotations

from typing import Any

from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.private_access import PrivateAccess, PrivateAccessArgs, PrivateService, private_access
from components.target import CloudTarget
from components.topology.storage_identity import StorageLayer


def build_private_access(
    context: PlatformContext, target: CloudTarget, cluster: Any, storage: StorageLayer | None
) -> PrivateAccess | None:
    subnet_id = getattr(cluster, "private_endpoint_subnet_id", None)
    if storage is None or subnet_id is None:
        return None
    return private_access(
        context.name("private"),
        PrivateAccessArgs(
            network_id=cluster.network_id,
            subnet_id=subnet_id,
            services={
                "images": PrivateService("registry", _resource_id(storage.registry, "registry_id")),
                "key": PrivateService("vault", _resource_id(storage.key, "vault_id")),
                "models": PrivateService("blob", _resource_id(storage.bucket, "account_id")),
            },
        ),
        target,
        context,
    )


def _resource_id(block: object, attribute: str) -> Any:
    """The closed service's resource id, which the cell's blocks on a private-endpoint cloud expose."""
    value = getattr(block, attribute, None)
    if value is None:
        raise ComponentArgumentError(
            "PrivateAccess",
            f"services ({type(block).__name__}.{attribute})",
            "is missing: the cluster has an endpoint subnet but this block exposes no resource id",
            f"expose {attribute} on {type(block).__name__}",
        )
    return value
