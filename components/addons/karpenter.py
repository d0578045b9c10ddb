"""Karpenter on EKS: node autoscaling from zero for the CPU and GPU pools.

- the controller: chart `oci://public.ecr.aws/karpenter/karpenter` pinned to KARPENTER_VERSION
  (helm.v3.Release in kube-system, on the system node group the cluster keeps as a managed group);
- its IAM role, the project's published controller policy (karpenter_policy.py), bound to the
  chart's service account `kube-system/karpenter` by EKS Pod Identity (no IRSA annotation);
- the interruption queue the chart's `settings.interruptionQueue` names: SQS (SSE-SQS, TLS only)
  fed by the four EventBridge rules of the project's CloudFormation (health, spot interruption,
  rebalance, instance state change), so nodes drain before EC2 reclaims them;
- one EC2NodeClass (IMDSv2 only with hop limit 1, encrypted gp3 root volume, the cluster's private
  subnets by id, the cluster security group by its EKS tag, the cluster's node role) and one
  NodePool per stack pool: `cpu` and `gpu-<pool>`, labelled `mlfleet.io/pool=<cpu|gpu>` like the
  managed pools were, GPU pools tainted `nvidia.com/gpu=present:NoSchedule`, spot outside
  production, limits from the pools' max nodes; empty nodes are removed after CONSOLIDATE_AFTER,
  so every pool returns to zero.

Values and policy follow aws/karpenter-provider-aws v1.4.0 (charts/karpenter/values.yaml,
website/content/en/v1.4/reference/cloudformation.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.addons.karpenter_policy import KARPENTER_VERSION, controller_policy
from components.aws.identities import POD_IDENTITY_TRUST
from components.aws.policy_documents import document
from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.kubernetes.node_pools import GPU_TAINT_EFFECT, GPU_TAINT_KEY, GPU_TAINT_VALUE, POOL_LABEL
from components.target import CloudTarget

CHART = "oci://public.ecr.aws/karpenter/karpenter"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "karpenter"
NODE_CLASS = "mlfleet"
# An empty node (no pods but daemonsets) is removed after this long.
CONSOLIDATE_AFTER = "5m"
# Nodes are replaced after 30 days (patched AMIs); training pods are never evicted for this early.
EXPIRE_AFTER = "720h"
ROOT_VOLUME = "100Gi"
# The EventBridge rules of the project's CloudFormation (Interruption Handling).
INTERRUPTION_EVENTS = {
    "health": {"source": ["aws.health"], "detail-type": ["AWS Health Event"]},
    "spot": {"source": ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"]},
    "rebalance": {"source": ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"]},
    "state": {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"]},
}
_SIZE = re.compile(r"^[a-z0-9-]+\.(?:(\d*)xlarge|(large|medium))$")


def vcpus(instance_type: str) -> int:
    """vCPUs of an EC2 instance size (x86 families: large=2, xlarge=4, Nxlarge=4N)."""
    match = _SIZE.match(instance_type)
    if not match:
        raise ComponentArgumentError(
            "Karpenter", "instance_type", f"is {instance_type!r}", "use an EC2 type such as m6i.2xlarge"
        )
    if match.group(2):
        return 2 if match.group(2) == "large" else 1
    return 4 * int(match.group(1) or 1)


@dataclass(frozen=True)
class KarpenterPool:
    """One NodePool: its instance type, its node ceiling and GPUs per node (0: a CPU pool)."""

    instance_type: str
    max_nodes: int
    gpus_per_node: int = 0


@dataclass(frozen=True)
class KarpenterArgs:
    cluster_name: pulumi.Input[str]
    cluster_endpoint: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    node_role_arn: pulumi.Input[str]
    node_role_name: pulumi.Input[str]
    # By NodePool name (`cpu`, `gpu-<pool>`).
    pools: Mapping[str, KarpenterPool]
    spot: bool
    chart_version: str = KARPENTER_VERSION
    # Resources the Pod Identity association waits on (the agent add-on).
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


def node_pool_spec(pool_name: str, pool: KarpenterPool, spot: bool) -> dict[str, Any]:
    gpu = pool.gpus_per_node > 0
    limits: dict[str, Any] = {"cpu": str(vcpus(pool.instance_type) * pool.max_nodes)}
    if gpu:
        limits["nvidia.com/gpu"] = str(pool.gpus_per_node * pool.max_nodes)
    spec: dict[str, Any] = {
        "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": NODE_CLASS},
        "requirements": [
            {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": [pool.instance_type]},
            {
                "key": "karpenter.sh/capacity-type",
                "operator": "In",
                "values": ["spot" if spot else "on-demand"],
            },
            {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
        ],
        "expireAfter": EXPIRE_AFTER,
    }
    if gpu:
        spec["taints"] = [{"key": GPU_TAINT_KEY, "value": GPU_TAINT_VALUE, "effect": GPU_TAINT_EFFECT}]
    return {
        "template": {"metadata": {"labels": {POOL_LABEL: "gpu" if gpu else pool_name}}, "spec": spec},
        "limits": limits,
        # Only empty nodes are consolidated: a training Job is never moved mid-run.
        "disruption": {"consolidationPolicy": "WhenEmpty", "consolidateAfter": CONSOLIDATE_AFTER},
    }


def chart_values(cluster_name: str, endpoint: str, queue_name: str) -> dict[str, Any]:
    """Typed values of the karpenter chart (values.yaml of the pinned version)."""
    return {
        "settings": {
            "clusterName": cluster_name,
            "clusterEndpoint": endpoint,
            "interruptionQueue": queue_name,
        },
        # EKS Pod Identity binds the role to this service account: no role-arn annotation.
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        "replicas": 2,
        # The controller runs on the managed system group, never on nodes it manages itself.
        "nodeSelector": {POOL_LABEL: "system"},
        "controller": {
            "resources": {
                "requests": {"cpu": "250m", "memory": "512Mi"},
                "limits": {"cpu": "1", "memory": "1Gi"},
            }
        },
    }


class Karpenter(pulumi.ComponentResource):
    controller_role_arn: pulumi.Output[str]
    queue_name: pulumi.Output[str]
    release: k8s.helm.v3.Release

    def __init__(
        self,
        name: str,
        args: KarpenterArgs,
        target: CloudTarget,
        context: PlatformContext,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:aws:Karpenter", name, None, opts)
        child = target.opts(self)
        queue = aws.sqs.Queue(
            f"{name}-interruptions",
            name=name,
            message_retention_seconds=300,
            sqs_managed_sse_enabled=True,
            tags=context.tags(),
            opts=child,
        )
        aws.sqs.QueuePolicy(
            f"{name}-interruptions",
            queue_url=queue.url,
            policy=queue.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Id": "EC2InterruptionPolicy",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
                                "Action": "sqs:SendMessage",
                                "Resource": arn,
                            },
                            {
                                "Sid": "DenyHTTP",
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "sqs:*",
                                "Resource": arn,
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            },
                        ],
                    }
                )
            ),
            opts=child,
        )
        for event, pattern in INTERRUPTION_EVENTS.items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{event}",
                description=f"Karpenter interruption handling: {pattern['detail-type'][0]}",
                event_pattern=json.dumps(pattern),
                tags=context.tags(),
                opts=child,
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{event}",
                rule=rule.name,
                arn=queue.arn,
                target_id="KarpenterInterruptionQueueTarget",
                opts=child,
            )
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=target.provider))
        role = aws.iam.Role(
            f"{name}-controller",
            name=f"{name}-controller",
            description=f"Karpenter controller ({NAMESPACE}/{SERVICE_ACCOUNT}), EKS Pod Identity",
            assume_role_policy=document(POD_IDENTITY_TRUST),
            tags=context.tags(),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-controller",
            role=role.id,
            policy=pulumi.Output.all(
                args.cluster_name, account.account_id, queue.arn, args.node_role_arn
            ).apply(
                lambda parts: json.dumps(
                    controller_policy(parts[0], target.region, parts[1], parts[2], parts[3])
                )
            ),
            opts=child,
        )
        association = aws.eks.PodIdentityAssociation(
            f"{name}-controller",
            cluster_name=args.cluster_name,
            namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT,
            role_arn=role.arn,
            tags=context.tags(),
            opts=target.opts(self, depends_on=list(args.depends_on)),
        )
        on_cluster = pulumi.ResourceOptions(parent=self, provider=provider)
        release = k8s.helm.v3.Release(
            name,
            name="karpenter",
            chart=CHART,
            version=args.chart_version,
            namespace=NAMESPACE,
            atomic=True,
            cleanup_on_fail=True,
            values=pulumi.Output.all(args.cluster_name, args.cluster_endpoint, queue.name).apply(
                lambda parts: chart_values(parts[0], parts[1], parts[2])
            ),
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[association])),
        )
        # The chart installs the karpenter.sh / karpenter.k8s.aws CRDs.
        after_release = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[release])
        k8s.apiextensions.CustomResource(
            f"{name}-{NODE_CLASS}",
            api_version="karpenter.k8s.aws/v1",
            kind="EC2NodeClass",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=NODE_CLASS, labels=context.tags()),
            spec={
                "role": args.node_role_name,
                "amiSelectorTerms": [{"alias": "al2023@latest"}],
                "subnetSelectorTerms": [{"id": subnet} for subnet in args.subnet_ids],
                # The cluster security group EKS creates (and tags with the cluster name).
                "securityGroupSelectorTerms": [{"tags": {"aws:eks:cluster-name": args.cluster_name}}],
                "metadataOptions": {
                    "httpEndpoint": "enabled",
                    "httpProtocolIPv6": "disabled",
                    "httpTokens": "required",
                    "httpPutResponseHopLimit": 1,
                },
                "blockDeviceMappings": [
                    {
                        "deviceName": "/dev/xvda",
                        "ebs": {"volumeSize": ROOT_VOLUME, "volumeType": "gp3", "encrypted": True},
                    }
                ],
                "tags": context.tags(),
            },
            opts=after_release,
        )
        for pool_name, pool in args.pools.items():
            k8s.apiextensions.CustomResource(
                f"{name}-{pool_name}",
                api_version="karpenter.sh/v1",
                kind="NodePool",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=pool_name, labels=context.tags()),
                spec=node_pool_spec(pool_name, pool, args.spot),
                opts=after_release,
            )
        self.controller_role_arn = role.arn
        self.queue_name = queue.name
        self.release = release
        self.register_outputs({"controller_role_arn": role.arn, "queue_name": queue.name})
