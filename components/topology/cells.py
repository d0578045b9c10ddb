"""Cells: a cell is one cloud in one region with the whole platform slice (keys, model bucket,
container registry, identities, cluster, serving, monitoring). A stack without `mlfleet:cells` is
one cell, named by nothing (its resource names and outputs are what they always were); a stack with
`mlfleet:cells` builds every cell, with the cell's name in its resources' names (docs/multi-cloud.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from components.context import Cloud
from components.topology.config import CellRole, PlatformConfig, front_door_hostname


@dataclass(frozen=True)
class Cell:
    name: str  # "" for the one cell of a single-cell stack
    cloud: Cloud
    region: str
    role: CellRole
    gcp_project: str | None = None
    network_cidr: str | None = None


def stack_cells(config: PlatformConfig) -> list[Cell]:
    """The stack's cells, the primary first."""
    if not config.cells:
        return [Cell("", config.cloud, config.region or "", "primary", config.gcp_project or None)]
    cells = [
        Cell(c.name, c.cloud, c.region, c.role, c.gcp_project or config.gcp_project, c.network_cidr)
        for c in config.cells
    ]
    return sorted(cells, key=lambda c: c.role != "primary")


def cell_config(config: PlatformConfig, cell: Cell, stack: str) -> PlatformConfig:
    """The stack's config as one cell's blocks read it: the cell's cloud, region, project, network,
    and its own serving hostname (`<cell>.<hostname>`, or `serving.<cell>.<stack>.mlfleet.example.com`)."""
    if not cell.name:
        return config
    hostname = config.serving.hostname
    serving = config.serving.model_copy(
        update={
            "hostname": f"{cell.name}.{hostname}"
            if hostname
            else f"serving.{cell.name}.{stack}.mlfleet.example.com"
        }
    )
    cluster = config.cluster.model_copy(
        update={"network_cidr": cell.network_cidr or config.cluster.network_cidr}
    )
    # The global name comes from the stack's config (its serving hostname by default), not the cell's.
    door = config.front_door
    if door is not None:
        door = door.model_copy(update={"hostname": front_door_hostname(config, stack)})
    return config.model_copy(
        update={
            "front_door": door,
            "cloud": cell.cloud,
            "region": cell.region,
            "gcp_project": cell.gcp_project,
            "serving": serving,
            "cluster": cluster,
            "cells": [],
        }
    )
