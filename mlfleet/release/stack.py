"""What the release reads from a stack file: its environment and `mlfleet:serving`'s canary
analysis thresholds, validated by the same model `pulumi up` uses (ServingConfig)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from components.errors import ConfigError
from components.topology.compute_config import CanaryAnalysisConfig, ServingConfig
from components.topology.config import stack_file

SERVING_KEY = "mlfleet:serving"


@dataclass(frozen=True)
class StackRollout:
    stack: str | None
    environment: str | None
    serving: ServingConfig

    @property
    def limits(self) -> CanaryAnalysisConfig:
        return self.serving.canary_analysis

    @property
    def needs_approval(self) -> bool:
        """Prod moves production only through the approved promote job (docs/delivery.md)."""
        return self.environment == "prod"


def read_stack(stack: str | None, root: Path) -> StackRollout:
    """The stack's rollout settings; no stack (a local server): the defaults."""
    if stack is None:
        return StackRollout(None, None, ServingConfig.model_validate({}))
    path = stack_file(stack)
    try:
        config = (yaml.safe_load((root / path).read_text()) or {}).get("config") or {}
    except OSError as exc:
        raise ConfigError(
            path, "config", f"cannot be read ({exc.strerror})", "pass an existing --stack"
        ) from None
    try:
        serving = ServingConfig.model_validate(config.get(SERVING_KEY) or {})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join([SERVING_KEY, *(str(p) for p in error["loc"])])
        raise ConfigError(
            path,
            where,
            f"is invalid: {error['msg']}",
            f"pulumi config set --path {where} <value> --stack {stack}",
        ) from None
    return StackRollout(stack, config.get("mlfleet:environment"), serving)
