"""TrainingJob: the trainer image as a Kubernetes Job, or a CronJob for scheduled retraining."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pulumi

from components.errors import ComponentArgumentError
from components.serving_service import check_pinned_image

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s

# Five cron fields; Kubernetes also accepts @hourly/@daily/... macros.
_CRON = re.compile(r"^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+)$")


@dataclass(frozen=True)
class TrainingJobArgs:
    # A string is checked for pinning here; an Output (registry URL + tag) is checked by the caller.
    image: pulumi.Input[str]
    registry_url: pulumi.Input[str]
    model: str
    namespace: str = "mlfleet"
    # Defaults to the block name; must match the workload identity's service account.
    service_account: str | None = None
    # "gpu" lands on the tainted GPU pool (and asks for GPUs), "cpu" on the CPU pool, "any" anywhere
    # (bring-your-own clusters such as kind have no mlfleet pools).
    pool: Literal["gpu", "cpu", "any"] = "gpu"
    gpus: int = 1
    cpu: str = "2"
    memory: str = "8Gi"
    # A cron schedule turns the Job into a CronJob (scheduled retraining).
    schedule: str | None = None
    deadline_seconds: int = 6 * 3600
    service_account_annotations: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    env_secret: pulumi.Input[str] | None = None
    # The trainer's config file (its TrainConfig keys); mounted read-only, MLFLEET_TRAIN_CONFIG names it.
    train_config: Mapping[str, Any] | None = None
    # The alias a run moves ($MLFLEET_PROMOTE_TO, "none": no alias); None: the trainer config's own.
    promote_to: str | None = None
    # Labels on the pod template only (e.g. azure.workload.identity/use for the identity webhook).
    pod_labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        name = "TrainingJob"
        if isinstance(self.image, str):
            check_pinned_image(name, "image", self.image)
        if self.pool not in ("gpu", "cpu", "any"):
            raise ComponentArgumentError(name, "pool", f"is {self.pool!r}", "use 'gpu', 'cpu' or 'any'")
        if self.pool == "gpu" and self.gpus < 1:
            raise ComponentArgumentError(name, "gpus", f"is {self.gpus} on the gpu pool", "use 1 or more")
        if self.schedule is not None and not _CRON.match(self.schedule.strip()):
            raise ComponentArgumentError(
                name,
                "schedule",
                f"is {self.schedule!r}, not a cron expression",
                "use five fields like '0 3 * * 1' (Mondays 03:00) or a macro like @daily",
            )
        if self.deadline_seconds < 60:
            raise ComponentArgumentError(
                name, "deadline_seconds", f"is {self.deadline_seconds}", "allow at least 60 seconds"
            )


class TrainingJob(Protocol):
    job_name: pulumi.Output[str]
    namespace: pulumi.Output[str]


def training_job(
    name: str,
    args: TrainingJobArgs,
    provider: k8s.Provider,
    labels: Mapping[str, str],
    opts: pulumi.ResourceOptions | None = None,
) -> TrainingJob:
    from components.kubernetes.training_job import KubernetesTrainingJob

    return KubernetesTrainingJob(name, args, provider, labels, opts)
