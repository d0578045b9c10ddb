"""The drill's clock. A full drill runs on the stack's own health-check interval (30 s x 3 takes
minutes per fault); the quick profile divides every duration by one factor so that the interval is
one second, and multiplies the measured figures back by it. Counts (failure threshold, rise) are
never scaled, only durations."""

from __future__ import annotations

from dataclasses import dataclass


def _serving_default(field: str) -> float:
    from mlfleet_serving.settings import ServingSettings

    return float(ServingSettings.model_fields[field].default)


def _front_door_default(field: str) -> float:
    from components.topology.config import FrontDoorConfig

    return float(FrontDoorConfig.model_fields[field].default)


def _sync_period() -> float:
    """The registry sync CronJob's schedule as the stacks deploy it (RegistrySyncArgs.schedule)."""
    from components.registry_sync import RegistrySyncArgs

    schedule = RegistrySyncArgs.__dataclass_fields__["schedule"].default
    minute = str(schedule).split()[0]
    if not minute.startswith("*/"):
        raise ValueError(f"RegistrySyncArgs.schedule {schedule!r}: the drill reads a '*/N * * * *' schedule")
    return int(minute[2:]) * 60.0


# The platform around the door, in real seconds (scaled like the door's interval): the serving
# replicas' alias poll (mlfleet_serving's default, which the stacks' serving Deployments keep) and the
# sync's schedule, from where the stacks get them; and the readiness bound on an unreadable alias,
# which the server leaves off by default and a multi-cell stack sets from its front door
# (mlfleet:frontDoor.registryMaxAge; the drill reads each stack's own value, this is the default).
SERVING_POLL_SECONDS = _serving_default("poll_interval_seconds")
ALIAS_MAX_AGE_SECONDS = _front_door_default("registry_max_age")
SYNC_PERIOD_SECONDS = _sync_period()
QUICK_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True)
class Timing:
    scale: float  # real seconds per drill second (1: real time)

    @classmethod
    def for_interval(cls, interval: float, quick: bool) -> Timing:
        return cls(interval / QUICK_INTERVAL_SECONDS if quick else 1.0)

    def drill(self, real_seconds: float) -> float:
        """A real duration, as the drill runs it."""
        return real_seconds / self.scale

    def real(self, drill_seconds: float) -> float:
        """A measured duration, scaled back to real time."""
        return drill_seconds * self.scale

    @property
    def label(self) -> str:
        return (
            "real time"
            if self.scale == 1
            else f"scaled: every duration / {self.scale:g}, figures x {self.scale:g}"
        )
