"""CloudWatch alarm on the serving ALB's 5xx rate (load balancer + target 5xx over all requests),
notifying an SNS topic with an email subscription."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws.service_topic import Publisher, service_topic
from components.context import PlatformContext
from components.lb_5xx_alarm import LoadBalancer5xxAlarmArgs
from components.target import CloudTarget

NAMESPACE = "AWS/ApplicationELB"


class AwsLoadBalancer5xxAlarm(pulumi.ComponentResource):
    channel: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: LoadBalancer5xxAlarmArgs,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:aws:LoadBalancer5xxAlarm", name, None, opts)
        child = target.opts(self)
        # Its own key: CloudWatch cannot publish to a topic under the AWS-managed alias/aws/sns key
        # (components/aws/service_topic.py says why and where AWS documents it).
        alarms = Publisher(
            "cloudwatch.amazonaws.com",
            f"arn:{{partition}}:cloudwatch:{{region}}:{{account}}:alarm:{name}",
            False,
        )
        topic = service_topic(name, target.region, alarms, context, child, self)
        aws.sns.TopicSubscription(
            f"{name}-email", topic=topic.arn, protocol="email", endpoint=args.email, opts=child
        )
        # The AWS Load Balancer Controller names the ALB after the Ingress annotation; the Ingress
        # waits for it, so the lookup runs once the ALB exists.
        balancer = aws.lb.get_load_balancer_output(
            name=args.load_balancer,
            opts=pulumi.InvokeOutputOptions(
                parent=self, provider=target.provider, depends_on=opts.depends_on if opts else None
            ),
        )

        def metric(query_id: str, metric_name: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
            return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=query_id,
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace=NAMESPACE,
                    metric_name=metric_name,
                    period=args.window_seconds,
                    stat="Sum",
                    dimensions={"LoadBalancer": balancer.arn_suffix},
                ),
            )

        aws.cloudwatch.MetricAlarm(
            name,
            name=name,
            alarm_description=f"5xx share of {args.load_balancer} responses above {args.threshold:.0%}",
            comparison_operator="GreaterThanThreshold",
            threshold=args.threshold,
            evaluation_periods=1,
            treat_missing_data="notBreaching",
            metric_queries=[
                metric("elb5xx", "HTTPCode_ELB_5XX_Count"),
                metric("target5xx", "HTTPCode_Target_5XX_Count"),
                metric("requests", "RequestCount"),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="rate",
                    expression="(FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests",
                    label="5xx rate",
                    return_data=True,
                ),
            ],
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            tags=context.tags(),
            opts=child,
        )
        self.channel = topic.arn
        self.register_outputs({"channel": self.channel})
