"""Stack config of the compute section: `mlfleet:cluster`, `mlfleet:serving`, `mlfleet:trainingJob`,
`mlfleet:monitoring` (camelCase in stack files, validated like every other section)."""

from __future__ import annotations

from typing import Any, Literal

from mlfleet_registry import InvalidName
from mlfleet_registry.names import check_alias
from mlfleet_trainer.config import DEFAULT_MODEL_NAME, TrainConfig
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator


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
    # The cluster's VNet/VPC block (TrainingClusterArgs default 10.0.0.0/16); in multi-cell stacks
    # each cell's mlfleet:cells[].networkCidr.
    network_cidr: str | None = None
    private_endpoint: bool = False
    authorized_cidrs: list[str] = Field(default_factory=list)
    spot: bool | None = None
    cpu_max_nodes: int = Field(10, ge=1)
    gpu_pools: dict[str, GpuPoolConfig] = Field(
        default_factory=lambda: {"gpu": GpuPoolConfig.model_validate({})}
    )


def _alias_name(value: str) -> str:
    """The registry's alias grammar (one definition, mlfleet_registry.names); a ValueError names it."""
    try:
        return check_alias(value)
    except InvalidName as exc:
        raise ValueError(str(exc)) from None


class CanaryConfig(_Compute):
    """`mlfleet:serving.canary`: the alias a weighted share of requests is served from (sticky by
    the routing-key header). `mlfleet release` sets it (docs/delivery.md); weight 0 keeps the alias
    loaded but sends it nothing."""

    alias: str = "candidate"
    weight: float = Field(ge=0.0, le=1.0)

    _alias = field_validator("alias")(_alias_name)


class ShadowConfig(_Compute):
    """`mlfleet:serving.shadow`: an alias scored after every response, never answering a client."""

    alias: str

    _alias = field_validator("alias")(_alias_name)


class CanaryAnalysisConfig(_Compute):
    """`mlfleet:serving.canaryAnalysis`: how `mlfleet release` judges a canary against production
    from Prometheus (mlfleet/release/analysis.py). The canary fails when a ratio is exceeded AND the
    absolute difference is beyond its slack (so 1 error in 200 against 0 in 800 is not a failure)."""

    # The canary weight `mlfleet release` sets.
    weight: float = Field(0.1, gt=0.0, le=0.5)
    window_seconds: float = Field(600.0, gt=0)
    # Fewer canary requests than this in the window: inconclusive, and inconclusive rolls back.
    min_requests: int = Field(100, ge=1)
    max_error_rate_ratio: float = Field(2.0, ge=1.0)
    error_rate_slack: float = Field(0.01, ge=0.0, le=1.0)
    max_p95_latency_ratio: float = Field(1.5, ge=1.0)
    p95_latency_slack_seconds: float = Field(0.025, ge=0.0)
    # Population stability index of the canary's predicted classes against production's.
    max_prediction_psi: float = Field(0.2, gt=0.0)


class ServingConfig(_Compute):
    # Immutable tag of the image in the stack's container registry, or a full pinned image reference.
    # Neither set (the default): the app's content tag, pushed by `pulumi up` (components/image_push.py).
    image_tag: str | None = None
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
    # Rollouts (none by default): docs/delivery.md "From a trained model to production".
    canary: CanaryConfig | None = None
    shadow: ShadowConfig | None = None
    canary_analysis: CanaryAnalysisConfig = Field(
        default_factory=lambda: CanaryAnalysisConfig.model_validate({})
    )

    @model_validator(mode="after")
    def _rollout_aliases_differ(self) -> ServingConfig:
        for key, section in (("canary", self.canary), ("shadow", self.shadow)):
            if section is not None and section.alias == self.alias:
                raise ValueError(
                    f"{key}.alias is {section.alias!r}, the alias the service already serves; "
                    "use the release's alias (e.g. candidate)"
                )
        return self


class TrainingJobConfig(_Compute):
    image_tag: str | None = None  # as ServingConfig.image_tag
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


def trainer_promotes_to(environment: str, job: TrainingJobConfig) -> str | None:
    """The alias the stack's training runs move: the trainer config's `promote_to` when the stack
    sets one; in prod `candidate` (production moves only through `mlfleet release`, behind its
    approval); elsewhere None, the trainer's own default (production: dev and staging serve every
    version that passes the gate)."""
    if job.config is not None and "promote_to" in job.config:
        return None
    return "candidate" if environment == "prod" else None


# Alertmanager receivers (mlfleet:monitoring.receivers, a map keyed by receiver name). Fields typed
# SecretStr must be `secure:` values (`pulumi config set --secret --path ...`): they are never printed
# and reach the chart only inside a Pulumi secret.
class EmailReceiverConfig(_Compute):
    # Defaults to mlfleet:monitoring.alertEmail (one place for the on-call address).
    to: str | None = None
    sender: str = Field(alias="from")
    smarthost: str = Field(pattern=r"^[^\s:]+:[0-9]+$")
    auth_username: str | None = None
    auth_password: SecretStr | None = None
    require_tls: bool = True


class SlackReceiverConfig(_Compute):
    webhook_url: SecretStr
    channel: str


class PagerDutyReceiverConfig(_Compute):
    routing_key: SecretStr


class WebhookReceiverConfig(_Compute):
    url: str = Field(pattern=r"^https?://")
    # Sent as `Authorization: Bearer <secret>`.
    secret: SecretStr | None = None


Severity = Literal["page", "ticket"]


class ReceiverConfig(_Compute):
    # Which alerts reach it: `page` (severity page, and the chart's critical) and/or `ticket`
    # (severity ticket, and the chart's warning). PagerDuty defaults to page only.
    severities: list[Severity] | None = None
    email: EmailReceiverConfig | None = None
    slack: SlackReceiverConfig | None = None
    pagerduty: PagerDutyReceiverConfig | None = None
    webhook: WebhookReceiverConfig | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ReceiverConfig:
        kinds = [k for k in ("email", "slack", "pagerduty", "webhook") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"set exactly one of email, slack, pagerduty, webhook (got {kinds or 'none'})")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("email", "slack", "pagerduty", "webhook") if getattr(self, k) is not None)

    def routed(self) -> list[Severity]:
        if self.severities is not None:
            return self.severities
        return ["page"] if self.pagerduty is not None else ["page", "ticket"]

    def secret_fields(self) -> list[str]:
        """Paths (below the receiver) of the secret values that are set."""
        section = getattr(self, self.kind)
        return [
            f"{self.kind}.{_camel(name)}"
            for name in type(section).model_fields
            if isinstance(getattr(section, name), SecretStr)
        ]


class MonitoringConfig(_Compute):
    retention: str = "15d"
    storage_size: str = "50Gi"
    storage_class: str | None = None
    # The cloud 5xx alarm's address (SNS / notification channel / action group) and the default `to`
    # of e-mail receivers.
    alert_email: str | None = None
    receivers: dict[str, ReceiverConfig] = Field(default_factory=dict)
