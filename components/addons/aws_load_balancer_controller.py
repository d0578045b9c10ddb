"""AWS Load Balancer Controller: turns the serving Ingress (class `alb`) into an ALB.

Chart `aws-load-balancer-controller` from https://aws.github.io/eks-charts (`eks/...`) pinned to
CHART_VERSION, app APP_VERSION (kubernetes-sigs/aws-load-balancer-controller, tag v3.5.0:
helm/aws-load-balancer-controller/Chart.yaml and values.yaml). Its IAM policy is the project's
published `docs/install/iam_policy.json` of the same tag, kept verbatim as data
(data/aws-load-balancer-controller-v3.5.0-iam-policy.json, commit 11eb202c97e4): statement for
statement, so upgrades are a diff against upstream. Its `Resource: "*"` statements are upstream's
(the controller creates load balancers, target groups and security groups it cannot name in advance;
creation is gated by the `elbv2.k8s.aws/cluster` request tag), which the advisory
aws-iam-no-wildcard-resources rule reports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from components.kubernetes.node_pools import POOL_LABEL

CHART = "aws-load-balancer-controller"
CHART_VERSION = "3.5.0"
APP_VERSION = "v3.5.0"
REPOSITORY = "https://aws.github.io/eks-charts"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"
INGRESS_CLASS = "alb"
POLICY_FILE = Path(__file__).with_name("data") / f"aws-load-balancer-controller-{APP_VERSION}-iam-policy.json"


def iam_policy() -> dict[str, Any]:
    """The published controller policy for APP_VERSION."""
    document: dict[str, Any] = json.loads(POLICY_FILE.read_text(encoding="utf-8"))
    return document


def chart_values(cluster_name: str, region: str, vpc_id: str) -> dict[str, Any]:
    """Typed values of the pinned chart. Region and VPC are given, not discovered: pods cannot reach
    IMDS on nodes with hop limit 1 (Karpenter's EC2NodeClass sets it)."""
    return {
        "clusterName": cluster_name,
        "region": region,
        "vpcId": vpc_id,
        # EKS Pod Identity binds the role to this service account: no role-arn annotation.
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        "replicaCount": 2,
        "ingressClass": INGRESS_CLASS,
        "createIngressClassResource": True,
        # On the managed system group: the controller's webhooks must not depend on spot capacity.
        "nodeSelector": {POOL_LABEL: "system"},
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "512Mi"},
        },
    }
