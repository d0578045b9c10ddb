"""The topology: which building blocks a stack gets, wired together.

Sections are owned by building-block areas; each returns the stack outputs it adds. Every cell of
the stack gets every section (components/topology/cells.py); providers come from one factory.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pulumi

from components.context import PlatformContext
from components.target import CloudTarget
from components.topology.budget import build_budget
from components.topology.cells import Cell, cell_config, stack_cells
from components.topology.compute import build_compute_layer
from components.topology.config import PlatformConfig
from components.topology.front_door import build_front_door
from components.topology.providers import Providers
from components.topology.registry_sync import (
    CellParts,
    build_registry_sync,
    primary_signing_keys,
    sync_source_addresses,
)
from components.topology.storage_identity import build_storage_layer


def build_platform(config: PlatformConfig, context: PlatformContext) -> dict[str, Any]:
    """Create the platform for one stack and return its stack outputs.

    One-cell stacks export each output once; multi-cell stacks export each as a map by cell name,
    plus `cells` ({name: {cloud, region, role}})."""
    providers = Providers(context)
    cells = stack_cells(config)
    if len(cells) == 1 and not cells[0].name:
        cell = cells[0]
        return build_cell(
            config, context, providers.target(cell.cloud, cell.region, cell.gcp_project), providers
        )
    by_cell: dict[str, dict[str, Any]] = {}
    parts: dict[str, CellParts] = {}
    trusted: tuple[pulumi.Input[str], ...] = ()
    sync_sources: tuple[pulumi.Input[str], ...] = ()
    for cell in cells:  # the primary first
        target = providers.target(cell.cloud, cell.region, cell.gcp_project)
        cell_context = dataclasses.replace(context, cell=cell.name)
        by_cell[cell.name] = build_cell(
            cell_config(config, cell, context.stack),
            cell_context,
            target,
            providers,
            parts,
            trusted,
            trains=cell.role == "primary",  # the others get its versions through the sync
            sync_sources=sync_sources,
        )
        if cell.role == "primary":
            # Every other cell also trusts the primary's signing key (the sync copies its versions).
            trusted = primary_signing_keys(parts.get(cell.name), target)
            # ... and admits the sync pods' egress addresses where its registry is firewalled (Azure).
            sync_sources = sync_source_addresses(config, context, cells, parts)
    exports: dict[str, Any] = {"cells": {c.name: _summary(c) for c in cells}}
    for key in dict.fromkeys(k for outputs in by_cell.values() for k in outputs):
        exports[key] = {name: outputs[key] for name, outputs in by_cell.items() if key in outputs}
    # --- global layer: the front door above the cells (mlfleet:frontDoor) ---
    exports.update(build_front_door(config, context, cells, providers))
    # --- global layer: the primary's registry copied into every other cell's (across clouds) ---
    exports.update(build_registry_sync(config, context, cells, providers, parts))
    return exports


def _summary(cell: Cell) -> dict[str, str]:
    return {"cloud": cell.cloud, "region": cell.region, "role": cell.role}


def build_cell(
    config: PlatformConfig,
    context: PlatformContext,
    target: CloudTarget,
    providers: Providers,
    parts: dict[str, CellParts] | None = None,
    trusted_keys: tuple[pulumi.Input[str], ...] = (),
    trains: bool = True,
    sync_sources: tuple[pulumi.Input[str], ...] = (),
) -> dict[str, Any]:
    """One cell's platform slice and its outputs; `trusted_keys`: public keys its readers trust besides
    their own cell's (the primary's, in the other cells of a multi-cell stack); `sync_sources`: public
    addresses the registry sync writes this cell's registry from (the primary's egress)."""
    exports: dict[str, Any] = {"cloud": config.cloud, "region": target.region}

    # --- storage and identity: keys, model bucket, container registry, identities ---
    storage = (
        build_storage_layer(config, context, target, providers, sync_sources)
        if config.cloud != "kubernetes"
        else None
    )
    if storage is not None and trusted_keys:
        storage = dataclasses.replace(storage, trusted_keys=trusted_keys)
    if storage is not None:
        exports.update(storage.exports())

    # --- compute: training cluster, serving, training job, monitoring ---
    exports.update(build_compute_layer(config, context, target, storage, parts, trains))

    # --- budget: the cell's monthly cost budget, alerting the alert receivers ---
    exports.update(build_budget(config, context, target))

    return exports
