"""Azure Monitor alert on the serving ingress's 5xx rate, to an email action group.

The AKS app-routing NGINX sits behind an Azure Load Balancer, which only sees TCP (no HTTP status
metric), so the HTTP-level signal is NGINX's own `nginx_ingress_controller_requests`, scraped by
Azure Monitor managed Prometheus into the cluster's Azure Monitor workspace (the AKS block sets that
up). An Azure-evaluated Prometheus rule group on that workspace fires the alert, so it pages even
when the in-cluster Prometheus is down."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from components.context import PlatformContext, compact_name
from components.errors import ComponentArgumentError
from components.lb_5xx_alarm import COMPONENT, LoadBalancer5xxAlarmArgs
from components.target import CloudTarget

METRIC = "nginx_ingress_controller_requests"
ALERT = "ServingIngress5xxRate"
# Azure Monitor alert severities run 0 (critical) to 4 (verbose).
SEVERITY = 1


def ratio_expression(args: LoadBalancer5xxAlarmArgs) -> str:
    window = f"{args.window_seconds // 60}m"
    errors = f'sum(rate({METRIC}{{status=~"5.."}}[{window}]))'
    total = f"sum(rate({METRIC}[{window}]))"
    return f"{errors} / {total} > {args.threshold:g}"


class AzureLoadBalancer5xxAlert(pulumi.ComponentResource):
    channel: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: LoadBalancer5xxAlarmArgs,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:azure:LoadBalancer5xxAlarm", name, None, opts)
        for argument in ("cluster_id", "cluster_name", "metrics_workspace_id"):
            if getattr(args, argument) is None:
                raise ComponentArgumentError(
                    f"{COMPONENT} (azure)",
                    argument,
                    "is missing: the alert evaluates the AKS cluster's managed Prometheus metrics",
                    "pass the Azure TrainingCluster's cluster_id, cluster_name and metrics_workspace_id "
                    "(the topology does this)",
                )
        child = target.opts(self)
        group = target.resource_group_name or ""
        action_group = azure_native.monitor.ActionGroup(
            name,
            action_group_name=name,
            resource_group_name=group,
            # Action groups are global resources.
            location="Global",
            group_short_name=compact_name(name, 12, alphanumeric=True),
            enabled=True,
            email_receivers=[
                azure_native.monitor.MicrosoftCommonEmailReceiverArgs(
                    name="oncall", email_address=args.email, use_common_alert_schema=True
                )
            ],
            tags=context.tags(),
            opts=child,
        )
        window = f"PT{args.window_seconds // 60}M"
        azure_native.alertsmanagement.PrometheusRuleGroup(
            name,
            rule_group_name=name,
            resource_group_name=group,
            location=target.region,
            description=f"5xx share of the serving ingress's responses above {args.threshold:.0%}",
            # The workspace holding the metrics, and the cluster they come from.
            scopes=[args.metrics_workspace_id, args.cluster_id],  # type: ignore[list-item]
            cluster_name=args.cluster_name,
            enabled=True,
            interval="PT1M",
            rules=[
                azure_native.alertsmanagement.PrometheusRuleArgs(
                    alert=ALERT,
                    expression=ratio_expression(args),
                    enabled=True,
                    severity=SEVERITY,
                    labels={"namespace": args.namespace, "service": args.load_balancer},
                    annotations={
                        "summary": f"5xx share of {args.load_balancer} responses above {args.threshold:.0%}",
                    },
                    actions=[
                        azure_native.alertsmanagement.PrometheusRuleGroupActionArgs(
                            action_group_id=action_group.id
                        )
                    ],
                    resolve_configuration=azure_native.alertsmanagement.PrometheusRuleResolveConfigurationArgs(
                        auto_resolved=True, time_to_resolve=window
                    ),
                )
            ],
            tags=context.tags(),
            opts=child,
        )
        self.channel = action_group.id
        self.register_outputs({"channel": self.channel})
