"""Stack config of the compute section: `mlfleet:cluster`, `mlfleet:serving`, `mlfleet:trainingJob`,
`mlfleet:monitoring` (camelCase in stack files, validated like every other section)."""

from __future__ import annotations

from typing import Any

from mlfleet_trainer.config import DEFAULT_MODEL_NAME, TrainConfig
from pydantic import BaseModel, ConfigDict, Field, field_validator


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


class _Compute(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, alias_generator=_camel)


class GpuPoolConfig(_Compute):
    instance_type: str | None = None
    accelerator: str | None = None
    gpus_per_node: int = Field(1, ge=1)
    max_nodes: int = Field(4, ge=1)


class ClusterConfig(_Compute):
    kubernetes_version: str = "1.31"
    private_endpoint: bool = False
    authorized_cidrs: list[str] = Field(default_factory=list)
    spot: bool | None = None
    cpu_max_nodes: int = Field(10, ge=1)
    gpu_pools: dict[str, GpuPoolConfig] = Field(
        default_factory=lambda: {"gpu": GpuPoolConfig.model_validate({})}
    )


class ServingConfig(_Compute):
    # Immutable tag of the image in the stack's container registry, or a full pinned image reference.
    image_tag: str = "0.1.0"
    image: str | None = None
    # The trainer's default model name (one declaration, in mlfleet_trainer.config): the default
    # training data is breast_cancer, so the default model is named after it.
    model: str = DEFAULT_MODEL_NAME
    alias: str = "production"
    hostname: str | None = None
    min_replicas: int = Field(2, ge=1)
    max_replicas: int = Field(10, ge=1)
    cpu: str = "500m"
    memory: str = "1Gi"


class TrainingJobConfig(_Compute):
    image_tag: str = "0.1.0"
    image: str | None = None
    schedule: str | None = None
    pool: str = "gpu"
    # The trainer's own config file (apps/trainer/README.md, snake_case keys), validated against the
    # trainer's TrainConfig; mounted read-only from a ConfigMap, MLFLEET_TRAIN_CONFIG points at it.
    config: dict[str, Any] | None = None

    @field_validator("config")
    @classmethod
    def _trainer_accepts(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            TrainConfig.model_validate(value)  # a ValidationError names the nested field
        return value


class MonitoringConfig(_Compute):
    retention: str = "15d"
    storage_size: str = "50Gi"
    storage_class: str | None = None
    alert_email: str | None = None
