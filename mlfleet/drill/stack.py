"""What the drill takes from a stack: its cells and `mlfleet:frontDoor`, read through the program's
own parser (components/topology/config.py `load_config`, the same validation `pulumi up` runs), never
a copy of it."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from pathlib import Path

from mlfleet.drill.errors import DrillError

# The cell clouds the drill has a registry emulator for (docs/multi-cloud.md, Failover drill).
EMULATED_CLOUDS = ("aws", "gcp", "azure")
# Route 53 and Traffic Manager answer with DNS: resolvers may keep a failed cell's answer for the TTL.
DNS_DOORS = ("route53", "trafficmanager")


@dataclass(frozen=True)
class Cell:
    name: str
    cloud: str
    role: str


@dataclass(frozen=True)
class Door:
    provider: str
    mode: str  # active-active | active-passive
    interval: float  # seconds between health checks
    failure_threshold: int
    ttl: int
    health_path: str
    # Seconds without reading the alias before a replica reports unready (mlfleet:frontDoor.registryMaxAge).
    registry_max_age: float


@dataclass(frozen=True)
class DrillStack:
    name: str
    stack_file: str
    primary: Cell
    secondary: Cell
    door: Door

    @property
    def dns(self) -> bool:
        return self.door.provider in DNS_DOORS


def read_stack(stack: str, cwd: Path) -> DrillStack:
    """The stack's primary and first other cell and its front door; DrillError naming the stack
    file and key when the stack cannot be drilled."""
    from components.errors import ConfigError

    # The path the front door health-checks (FrontDoorArgs.health_path defaults to it).
    from components.kubernetes.ingress_flavor import READINESS_PATH
    from mlfleet.engine.errors import PreviewError
    from mlfleet.engine.project import config_for_runtime, load_project, load_stack_config

    try:
        project = load_project(cwd)
        values = config_for_runtime(load_stack_config(project, stack))
    except PreviewError as exc:
        raise DrillError(str(exc)) from None
    try:
        # The parser reads pulumi.Config; a copied context keeps this stack's config out of the caller's.
        config = contextvars.copy_context().run(_parse, values, stack, project.name)
    except ConfigError as exc:
        raise DrillError(str(exc)) from None
    path = f"stacks/Pulumi.{stack}.yaml"
    if not config.cells:
        raise DrillError(
            f"{path}: the drill needs a multi-cell stack (mlfleet:cells with two cells and "
            "mlfleet:frontDoor); this one is a single cell. Try --stack staging-global"
        )
    door = config.front_door
    if door is None:
        raise DrillError(
            f"{path}: config key 'mlfleet:frontDoor' is not set; the drill configures its front door "
            "from it (docs/multi-cloud.md, Front door)"
        )
    cells = [Cell(c.name, c.cloud, c.role) for c in config.cells]
    primary = next(c for c in cells if c.role == "primary")  # load_config requires exactly one
    secondary = next(c for c in cells if c is not primary)
    for cell in (primary, secondary):
        if cell.cloud not in EMULATED_CLOUDS:
            raise DrillError(
                f"{path}: cell {cell.name} runs on {cell.cloud}; the drill has registry emulators for "
                f"{', '.join(EMULATED_CLOUDS)} cells only (moto S3, fake-gcs-server, Azurite)"
            )
    if primary.cloud == secondary.cloud:
        raise DrillError(
            f"{path}: cells {primary.name} and {secondary.name} both run on {primary.cloud}; the drill "
            "runs one emulator per cloud, so it needs the primary and the other cell on different clouds"
        )
    return DrillStack(
        stack,
        path,
        primary,
        secondary,
        Door(
            door.provider,
            door.mode,
            float(door.interval),
            door.failure_threshold,
            door.ttl,
            READINESS_PATH,
            float(door.registry_max_age),
        ),
    )


def _parse(values: dict[str, str], stack: str, project: str):  # type: ignore[no-untyped-def]
    import pulumi

    from components.topology.config import load_config

    pulumi.runtime.set_all_config(values)
    config, _ = load_config(pulumi.Config("mlfleet"), stack, project)
    return config
