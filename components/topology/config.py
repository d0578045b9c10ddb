"""The stack's `mlfleet:` config, parsed and validated once.

Scalar keys are also declared (with types) in Pulumi.yaml, which the real CLI and `mlfleet preview`
both enforce; structured keys are validated here. Every error names the stack file and the key and
shows the `pulumi config set` command that fixes it.
"""

from __future__ import annotations

import typing
from typing import Any

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from components.context import Cloud, PlatformContext
from components.errors import ConfigError
from components.topology.compute_config import (
    ClusterConfig,
    MonitoringConfig,
    ServingConfig,
    TrainingJobConfig,
)


class _Section(BaseModel):
    # camelCase in stack files, snake_case in code; unknown keys are typos.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


class SyncDestinationConfig(_Section):
    """A registry registry-sync writes to: bucket name (Azure: blob container resource id), its
    registry prefix and, on AWS, the bucket's KMS key ARN."""

    bucket: str = Field(min_length=1)
    prefix: str = "models"
    key: str | None = None


class ModelBucketConfig(_Section):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, alias_generator=_camel)
    noncurrent_version_days: int = Field(30, ge=1)
    abort_multipart_days: int = Field(7, ge=1)
    replication_region: str | None = None
    allowed_networks: list[str] = Field(default_factory=list)
    # Besides the replica bucket (AWS, with replication), registries registry-sync writes to.
    sync_destinations: list[SyncDestinationConfig] = Field(default_factory=list)


class GithubConfig(_Section):
    """Where the CI deployer identity may be assumed from (GitHub Actions OIDC)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, alias_generator=_camel)
    repository: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    branch: str | None = None
    environment: str | None = None


class PlatformConfig(_Section):
    """Everything a stack file may say under `mlfleet:`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, alias_generator=_camel)
    environment: str
    owner: str
    cost_center: str
    cloud: Cloud
    region: str | None = None
    gcp_project: str | None = None
    deletion_protection: bool = False
    model_bucket: ModelBucketConfig = Field(default_factory=ModelBucketConfig)  # type: ignore[arg-type]
    github: GithubConfig = Field(default_factory=GithubConfig)  # type: ignore[arg-type]
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)  # type: ignore[arg-type]
    serving: ServingConfig = Field(default_factory=ServingConfig)  # type: ignore[arg-type]
    training_job: TrainingJobConfig = Field(default_factory=TrainingJobConfig)  # type: ignore[arg-type]
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)  # type: ignore[arg-type]


# The config keys the program reads, in the order errors are reported.
KEYS: tuple[str, ...] = tuple(field.alias or name for name, field in PlatformConfig.model_fields.items())


def _is_text(annotation: Any) -> bool:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return all(isinstance(a, str) for a in args)
    if args and type(None) in args:
        return all(_is_text(a) for a in args if a is not type(None))
    return annotation is str


def stack_file(stack: str) -> str:
    return f"stacks/Pulumi.{stack}.yaml"


def load_config(
    config: pulumi.Config | None = None, stack: str | None = None, project: str | None = None
) -> tuple[PlatformConfig, PlatformContext]:
    """Read and validate the `mlfleet:` namespace of the current stack."""
    config = config or pulumi.Config("mlfleet")
    stack = stack or pulumi.get_stack()
    project = project or pulumi.get_project()
    path = stack_file(stack)
    raw: dict[str, Any] = {}
    for name, field in PlatformConfig.model_fields.items():
        key = field.alias or name
        # Strings are passed as they are; everything else arrives JSON-encoded.
        value = config.get(key) if _is_text(field.annotation) else config.get_object(key)
        if value is not None:
            raw[key] = value
    try:
        parsed = PlatformConfig.model_validate(raw)
    except ValidationError as exc:
        raise _config_error(path, stack, exc) from None
    if parsed.cloud != "kubernetes" and not parsed.region:
        raise ConfigError(
            path,
            "mlfleet:region",
            f"is required when mlfleet:cloud is '{parsed.cloud}'",
            f"pulumi config set mlfleet:region <region> --stack {stack}",
        )
    if parsed.cloud == "gcp" and not parsed.gcp_project:
        raise ConfigError(
            path,
            "mlfleet:gcpProject",
            "is required when mlfleet:cloud is 'gcp'",
            f"pulumi config set mlfleet:gcpProject <project-id> --stack {stack}",
        )
    context = PlatformContext(
        project=project,
        stack=stack,
        environment=parsed.environment,
        owner=parsed.owner,
        cost_center=parsed.cost_center,
        stack_file=path,
    )
    return parsed, context


def _config_error(path: str, stack: str, exc: ValidationError) -> ConfigError:
    error = exc.errors()[0]
    location = [str(part) for part in error["loc"]]
    key = "mlfleet:" + location[0] if location else "mlfleet"
    inner = ".".join(location[1:])
    where = f"{key}.{inner}" if inner else key
    kind = error["type"]
    if kind == "missing":
        problem = "is required but not set"
    elif kind == "extra_forbidden":
        problem = "is not a known setting (a typo?)"
    elif "receivers" in location:
        # Receiver settings hold secrets (webhook URLs, keys): never echo the value.
        problem = f"is invalid: {error['msg']}"
    else:
        problem = f"is invalid: {error['msg']} (got {error.get('input')!r})"
    fix_path = " --path" if inner else ""
    return ConfigError(path, where, problem, f"pulumi config set{fix_path} {where} <value> --stack {stack}")
