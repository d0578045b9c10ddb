"""Cloud Monitoring alert on the serving HTTPS load balancer's 5xx rate (response_code_class 500
over all requests, for the backends GKE creates for the serving Service), to an email channel."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.context import PlatformContext
from components.lb_5xx_alarm import LoadBalancer5xxAlarmArgs
from components.target import CloudTarget

METRIC = "loadbalancing.googleapis.com/https/request_count"


def request_filter(args: LoadBalancer5xxAlarmArgs, errors: bool) -> str:
    # GKE names NEG backends k8s1-<hash>-<namespace>-<service>-<port>-<hash>.
    backends = f".*-{args.namespace}-{args.load_balancer}-.*"
    parts = [
        f'metric.type="{METRIC}"',
        'resource.type="https_lb_rule"',
        f'resource.label.backend_target_name=monitoring.regex.full_match("{backends}")',
    ]
    if errors:
        parts.append("metric.label.response_code_class=500")
    return " AND ".join(parts)


class GcpLoadBalancer5xxAlert(pulumi.ComponentResource):
    channel: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: LoadBalancer5xxAlarmArgs,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:gcp:LoadBalancer5xxAlarm", name, None, opts)
        child = target.opts(self)
        channel = gcp.monitoring.NotificationChannel(
            name,
            display_name=f"{name} email",
            type="email",
            labels={"email_address": args.email},
            user_labels=context.labels(),
            opts=child,
        )
        window = f"{args.window_seconds}s"
        rate = {
            "alignment_period": window,
            "per_series_aligner": "ALIGN_RATE",
            "cross_series_reducer": "REDUCE_SUM",
        }
        aggregation = gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(**rate)
        denominator = gcp.monitoring.AlertPolicyConditionConditionThresholdDenominatorAggregationArgs(**rate)
        gcp.monitoring.AlertPolicy(
            name,
            display_name=f"{name}: load balancer 5xx rate",
            combiner="OR",
            conditions=[
                gcp.monitoring.AlertPolicyConditionArgs(
                    display_name=f"5xx share above {args.threshold:.0%}",
                    condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                        filter=request_filter(args, errors=True),
                        denominator_filter=request_filter(args, errors=False),
                        aggregations=[aggregation],
                        denominator_aggregations=[denominator],
                        comparison="COMPARISON_GT",
                        threshold_value=args.threshold,
                        duration=window,
                    ),
                )
            ],
            notification_channels=[channel.name],
            user_labels=context.labels(),
            opts=child,
        )
        self.channel = channel.name
        self.register_outputs({"channel": self.channel})
