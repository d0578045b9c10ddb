"""The topology: which building blocks a stack gets, wired together.

Sections are owned by building-block areas; each returns the stack outputs it adds.
"""

from __future__ import annotations

from typing import Any

from components.context import PlatformContext
from components.topology.compute import build_compute_layer
from components.topology.config import PlatformConfig
from components.topology.providers import cloud_target
from components.topology.storage_identity import build_storage_layer


def build_platform(config: PlatformConfig, context: PlatformContext) -> dict[str, Any]:
    """Create the platform for one stack and return its stack outputs."""
    target = cloud_target(config, context)
    exports: dict[str, Any] = {"cloud": config.cloud, "region": target.region}

    # --- storage and identity: keys, model bucket, container registry, identities ---
    storage = build_storage_layer(config, context, target) if config.cloud != "kubernetes" else None
    if storage is not None:
        exports.update(storage.exports())

    # --- compute: training cluster, serving, training job, monitoring ---
    exports.update(build_compute_layer(config, context, target, storage))

    return exports
