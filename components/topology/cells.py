"""Cells: a cell is one cloud in one region with the whole platform slice (keys, model bucket,
container registry, identities, cluster, serving, monitoring). A stack without `mlfleet:cells` is
one cell, named by nothing (its resource names and outputs are what they always were); a stack with
`mlfleet:cells` builds every cell, with the cell's name in its resources' names (docs/multi-cloud.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from components.context import Cloud
from components.topology.config import CellRole, PlatformConfig, front_door_hostname

# A standby cell's serving floor: 1 replica, except in prod, where k8s-serving-replicas-in-prod and
# k8s-serving-pdb-in-prod hold in every cell (a standby about to take the traffic must survive a node
# drain). Its HPA keeps the stack's maxReplicas: on failover it scales up on the cell's CPU load.
STANDBY_MIN_REPLICAS = {"prod": 2}


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


def standby_min_replicas(config: PlatformConfig) -> int:
    """Serving's minimum in a standby cell (never above the stack's own minReplicas)."""
    return min(config.serving.min_replicas, STANDBY_MIN_REPLICAS.get(config.environment, 1))


def cell_config(config: PlatformConfig, cell: Cell, stack: str) -> PlatformConfig:
    """The stack's config as one cell's blocks read it: the cell's cloud, region, project, network,
    and its own serving hostname (`<cell>.<hostname>`, or `serving.<cell>.<stack>.mlfleet.example.com`).
    A standby cell serves at its minimum (standby_min_replicas); its GPU pools, like every cell's,
    have no nodes until a pod asks for one (docs/multi-cloud.md, Standby cells)."""
    if not cell.name:
        return config
    hostname = config.serving.hostname
    serving = config.serving.model_copy(
        update={
            "hostname": f"{cell.name}.{hostname}"
            if hostname
            else f"serving.{cell.name}.{stack}.mlfleet.example.com",
            **({"min_replicas": standby_min_replicas(config)} if cell.role == "standby" else {}),
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
