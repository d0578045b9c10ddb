"""Everything a request handler needs, built once per app."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from mlfleet_serving.auth import Authenticator
from mlfleet_serving.metrics import ServingMetrics
from mlfleet_serving.models import ModelManager
from mlfleet_serving.ratelimit import RateLimiter
from mlfleet_serving.settings import ServingSettings


@dataclass
class ServingState:
    settings: ServingSettings
    metrics: ServingMetrics
    auth: Authenticator
    limiter: RateLimiter
    manager: ModelManager


def get_state(request: Request) -> ServingState:
    state: ServingState = request.app.state.serving
    return state


def authorize(request: Request, state: ServingState) -> None:
    """Authenticate, then rate-limit per principal (401 / 429 ApiError)."""
    principal = state.auth.authenticate(request.headers)
    request.scope["mlfleet"]["principal"] = principal
    state.limiter.check(principal)
