"""LoadBalancer5xxAlarm: one cloud-native alarm on the serving load balancer's 5xx rate, notifying an
email channel (AWS CloudWatch + SNS, GCP Cloud Monitoring, Azure Monitor managed Prometheus rule +
action group). It watches the load balancer the cloud creates for the serving Ingress (on Azure, the
ingress NGINX behind it: the Azure LB only sees TCP), so it pages even when the in-cluster Prometheus
is down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pulumi

from components.cloud_dispatch import require_cloud
from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.target import CloudTarget

COMPONENT = "LoadBalancer5xxAlarm"


@dataclass(frozen=True)
class LoadBalancer5xxAlarmArgs:
    email: str
    # AWS: the ALB's name (the serving Ingress names it); GCP: the Kubernetes Service behind the LB.
    load_balancer: str
    namespace: str = "mlfleet"
    # 5xx share of all responses, over `window_seconds`, that raises the alarm.
    threshold: float = 0.05
    window_seconds: int = 300
    # Azure: the AKS cluster (resource id and name) whose ingress NGINX managed Prometheus scrapes,
    # and the Azure Monitor workspace that stores those metrics (the TrainingCluster's outputs).
    cluster_id: pulumi.Input[str] | None = None
    cluster_name: pulumi.Input[str] | None = None
    metrics_workspace_id: pulumi.Input[str] | None = None

    def __post_init__(self) -> None:
        if "@" not in self.email:
            raise ComponentArgumentError(
                COMPONENT, "email", f"is {self.email!r}", "set mlfleet:monitoring.alertEmail to an address"
            )
        if not 0 < self.threshold < 1:
            raise ComponentArgumentError(COMPONENT, "threshold", f"is {self.threshold}", "use e.g. 0.05")
        if self.window_seconds < 60 or self.window_seconds % 60:
            raise ComponentArgumentError(
                COMPONENT, "window_seconds", f"is {self.window_seconds}", "use whole minutes, e.g. 300"
            )


class LoadBalancer5xxAlarm(Protocol):
    # The notification channel (SNS topic ARN / Cloud Monitoring channel name / action group id).
    channel: pulumi.Output[str]


def load_balancer_5xx_alarm(
    name: str,
    args: LoadBalancer5xxAlarmArgs,
    target: CloudTarget,
    context: PlatformContext,
    opts: pulumi.ResourceOptions | None = None,
) -> LoadBalancer5xxAlarm:
    require_cloud(COMPONENT, target.cloud, ("aws", "gcp", "azure"))
    if target.cloud == "aws":
        from components.aws.lb_5xx_alarm import AwsLoadBalancer5xxAlarm

        return AwsLoadBalancer5xxAlarm(name, args, target, context, opts)
    if target.cloud == "azure":
        from components.azure.lb_5xx_alert import AzureLoadBalancer5xxAlert

        return AzureLoadBalancer5xxAlert(name, args, target, context, opts)
    from components.gcp.lb_5xx_alert import GcpLoadBalancer5xxAlert

    return GcpLoadBalancer5xxAlert(name, args, target, context, opts)
