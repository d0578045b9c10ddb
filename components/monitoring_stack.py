"""MonitoringStack: kube-prometheus-stack with the serving alert rules and dashboards on any cluster,
plus one cloud-native alarm on the load balancer's 5xx rate (CloudWatch, Cloud Monitoring, Azure Monitor)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pulumi

from components.errors import ComponentArgumentError
from components.kubernetes.monitoring.gpu_cost import GpuIdleCost

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s

_RETENTION = re.compile(r"^[0-9]+(h|d|w|y)$")
_SIZE = re.compile(r"^[0-9]+(Mi|Gi|Ti)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)

# kube-prometheus-stack 69.4.1 (Prometheus 3.1, Grafana chart 8.x); Grafana pinned to 11.6, the
# version the dashboards are built for (grafana-foundation-sdk 11.6).
CHART_VERSION = "69.4.1"
GRAFANA_VERSION = "11.6.0"


@dataclass(frozen=True)
class AlertReceiver:
    """One Alertmanager receiver: its kind, which severities reach it, and the fields of its
    `<kind>_configs` entry (Alertmanager names; secret values as Pulumi secret Outputs)."""

    kind: Literal["email", "slack", "pagerduty", "webhook"]
    severities: tuple[Literal["page", "ticket"], ...]
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class MonitoringStackArgs:
    namespace: str = "monitoring"
    retention: str = "15d"
    storage_size: str = "50Gi"
    grafana_storage_size: str = "10Gi"
    # None: the cluster's default StorageClass.
    storage_class: str | None = None
    chart_version: str = CHART_VERSION
    # Where the cloud 5xx alarm notifies (email); None skips the cloud alarm.
    alert_email: str | None = None
    # 5xx share of load-balancer responses that raises the cloud alarm.
    error_rate_threshold: float = 0.05
    # Where Alertmanager sends alerts, by receiver name (at least one: else alerts reach no one).
    alert_receivers: Mapping[str, AlertReceiver] = field(default_factory=dict)
    # The GPU pools' hourly prices and the idle-GPU budget of MlfleetGpuIdleCost (rules/gpu_cost.yaml);
    # None: the alert has no prices and stays silent.
    gpu_idle_cost: GpuIdleCost | None = None
    # The closed loop's receiver {"url", "token"} (components/kubernetes/alert_hook.py): alerts with an
    # `action` label also go there. None: no loop (stacks without a training CronJob).
    alert_hook: Mapping[str, pulumi.Input[str]] | None = None

    def __post_init__(self) -> None:
        name = "MonitoringStack"
        if not _RETENTION.match(self.retention):
            raise ComponentArgumentError(name, "retention", f"is {self.retention!r}", "use e.g. 15d or 720h")
        for argument in ("storage_size", "grafana_storage_size"):
            value = getattr(self, argument)
            if not _SIZE.match(value):
                raise ComponentArgumentError(name, argument, f"is {value!r}", "use a size such as 50Gi")
        if self.alert_email is not None and not _EMAIL.match(self.alert_email):
            raise ComponentArgumentError(
                name, "alert_email", f"is {self.alert_email!r}", "use an address such as oncall@example.com"
            )
        if not self.alert_receivers:
            raise ComponentArgumentError(
                name,
                "alert_receivers",
                "is empty, so alerts reach no one",
                "add an e-mail, Slack, PagerDuty or webhook receiver",
            )
        for receiver_name, receiver in self.alert_receivers.items():
            if not receiver.severities or set(receiver.severities) - {"page", "ticket"}:
                raise ComponentArgumentError(
                    name,
                    f"alert_receivers[{receiver_name}].severities",
                    f"is {receiver.severities}",
                    "use page and/or ticket",
                )
        if not 0 < self.error_rate_threshold < 1:
            raise ComponentArgumentError(
                name, "error_rate_threshold", f"is {self.error_rate_threshold}", "use a fraction such as 0.05"
            )


class MonitoringStack(Protocol):
    namespace: pulumi.Output[str]
    grafana_admin_password: pulumi.Output[str]
    # The resource other blocks wait on for the monitoring CRDs (ServiceMonitor, PrometheusRule).
    release: pulumi.Resource


def monitoring_stack(
    name: str,
    args: MonitoringStackArgs,
    provider: k8s.Provider,
    labels: Mapping[str, str],
    opts: pulumi.ResourceOptions | None = None,
) -> MonitoringStack:
    from components.kubernetes.monitoring.stack import KubernetesMonitoringStack

    return KubernetesMonitoringStack(name, args, provider, labels, opts)
