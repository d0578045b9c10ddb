"""What to do with an Alertmanager webhook payload: pure decisions, no I/O.

Payload format: Alertmanager's webhook_config body, version "4" (prometheus/alertmanager
notify/webhook/webhook.go `Message`, template/template.go `Data`/`Alert`: `alerts[]` with `status`,
`labels`, `annotations`, `fingerprint`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ACTIONS = ("retrain", "rollback")
MAX_ALERTS = 500  # one notification carries one group's alerts; more is not Alertmanager
# Kubernetes object names: DNS-1123 labels; Job names stay <= 63 because the Job controller copies
# them into the pods' `job-name` label (kubernetes/kubernetes pkg/controller/job).
NAME_LIMIT = 63
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class PayloadError(ValueError):
    """The body is not an Alertmanager webhook payload we can act on (answered 400)."""


@dataclass(frozen=True)
class Request:
    action: str
    model: str
    alertname: str
    fingerprint: str


def requests(payload: Any) -> list[Request]:
    """The firing alerts that carry an `action` we handle and a `model`; resolved alerts and alerts
    without an action are not ours (Alertmanager routes by label; this is the second check)."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("alerts"), list):
        raise PayloadError("expected an Alertmanager webhook payload with an 'alerts' list")
    alerts = payload["alerts"]
    if len(alerts) > MAX_ALERTS:
        raise PayloadError(f"{len(alerts)} alerts in one notification (limit {MAX_ALERTS})")
    out: list[Request] = []
    for alert in alerts:
        if not isinstance(alert, Mapping) or not isinstance(alert.get("labels"), Mapping):
            raise PayloadError("every alert needs a 'labels' object")
        labels = alert["labels"]
        if alert.get("status") != "firing" or labels.get("action") not in ACTIONS:
            continue
        model = labels.get("model")
        if not isinstance(model, str) or not _MODEL.match(model):
            raise PayloadError(f"alert {labels.get('alertname')!r} has action but no valid 'model' label")
        fingerprint = alert.get("fingerprint")
        out.append(
            Request(
                action=str(labels["action"]),
                model=model,
                alertname=str(labels.get("alertname", "")),
                fingerprint=fingerprint if isinstance(fingerprint, str) else "",
            )
        )
    return out


@dataclass
class Limiter:
    """At most one run per (action, model) per `window` seconds; Alertmanager's repeats of the same
    alert (same fingerprint) within the window are dropped before anything else. In memory: after a
    restart the deterministic Job name (`job_name`) still stops a second run in the same window."""

    window: float
    clock: Callable[[], float]
    _fingerprints: dict[str, float] = field(default_factory=dict)
    _runs: dict[tuple[str, str], float] = field(default_factory=dict)

    def refusal(self, request: Request) -> str | None:
        """Why `request` must not run now (None: it may)."""
        now = self.clock()
        self._forget(now)
        if request.fingerprint and request.fingerprint in self._fingerprints:
            return f"repeat of alert {request.fingerprint} already acted on"
        last = self._runs.get((request.action, request.model))
        if last is not None:
            ago = now - last
            return f"{request.action} of {request.model} ran {ago:.0f} s ago (window {self.window:.0f} s)"
        return None

    def ran(self, request: Request) -> None:
        now = self.clock()
        self._runs[(request.action, request.model)] = now
        if request.fingerprint:
            self._fingerprints[request.fingerprint] = now

    def _forget(self, now: float) -> None:
        for store in (self._fingerprints, self._runs):
            for key in [k for k, t in store.items() if now - t >= self.window]:
                del store[key]  # type: ignore[arg-type]


def job_name(cronjob: str, now: float, window: float) -> str:
    """`<cronjob>-retrain-<window index>`: the same name for every request in one window, so a second
    receiver (or one restarted) gets 409 AlreadyExists from the API instead of a second run."""
    suffix = f"-retrain-{int(now // window)}"
    name = cronjob[: NAME_LIMIT - len(suffix)].rstrip("-") + suffix
    if not _NAME.match(name):
        raise ValueError(f"cannot make a Job name from CronJob {cronjob!r}")
    return name
