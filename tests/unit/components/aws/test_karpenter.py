"""Karpenter on EKS (dev plan): pinned chart, Pod Identity role with the published policy, the
interruption queue and its EventBridge rules, and the EC2NodeClass the NodePools use."""

from __future__ import annotations

import json

import pytest

from components.addons.karpenter import vcpus
from components.addons.karpenter_policy import KARPENTER_VERSION
from components.errors import ComponentArgumentError
from mlfleet.engine.harness import Plan, preview_stack
from tests.unit.components.plans import typed

NAME = "mlfleet-dev-gpu-karpenter"


@pytest.fixture(scope="module")
def dev() -> Plan:
    return preview_stack("dev")


def test_chart_is_pinned_and_names_the_cluster_and_queue(dev):
    release = typed(dev, "kubernetes:helm.sh/v3:Release", NAME)["inputs"]
    assert release["chart"] == "oci://public.ecr.aws/karpenter/karpenter"
    assert release["version"] == KARPENTER_VERSION == "1.4.0"
    assert release["namespace"] == "kube-system"
    values = release["values"]
    assert values["settings"]["clusterName"] == "mlfleet-dev-gpu"
    queue = typed(dev, "aws:sqs/queue:Queue", f"{NAME}-interruptions")
    assert values["settings"]["interruptionQueue"] == queue["inputs"]["name"]
    # Pod Identity, not IRSA: no role annotation on the chart's service account.
    assert values["serviceAccount"] == {"create": True, "name": "karpenter"}
    assert values["nodeSelector"] == {"mlfleet.io/pool": "system"}


def test_controller_role_is_bound_by_pod_identity_with_the_published_policy(dev):
    role = typed(dev, "aws:iam/role:Role", f"{NAME}-controller")
    trust = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    association = typed(dev, "aws:eks/podIdentityAssociation:PodIdentityAssociation", f"{NAME}-controller")
    assert association["inputs"]["namespace"] == "kube-system"
    assert association["inputs"]["serviceAccount"] == "karpenter"
    assert association["inputs"]["roleArn"] == role["outputs"]["arn"]
    policy = json.loads(typed(dev, "aws:iam/rolePolicy:RolePolicy", f"{NAME}-controller")["inputs"]["policy"])
    sids = {s["Sid"]: s for s in policy["Statement"]}
    assert len(sids) == 16  # every statement of the published policy
    assert sids["AllowPassingInstanceRole"]["Resource"].endswith(":role/mlfleet-dev-gpu-nodes")
    assert sids["AllowInterruptionQueueActions"]["Resource"].endswith(NAME)
    assert sids["AllowAPIServerEndpointDiscovery"]["Resource"].endswith(":cluster/mlfleet-dev-gpu")
    launch = sids["AllowScopedEC2InstanceActionsWithTags"]["Condition"]["StringEquals"]
    assert launch["aws:RequestTag/eks:eks-cluster-name"] == "mlfleet-dev-gpu"
    assert sids["AllowRegionalReadActions"]["Condition"] == {
        "StringEquals": {"aws:RequestedRegion": "us-east-1"}
    }


def test_interruption_queue_is_encrypted_tls_only_and_fed_by_four_rules(dev):
    queue = typed(dev, "aws:sqs/queue:Queue", f"{NAME}-interruptions")["inputs"]
    assert queue["sqsManagedSseEnabled"] is True
    assert queue["messageRetentionSeconds"] == 300
    policy = json.loads(
        typed(dev, "aws:sqs/queuePolicy:QueuePolicy", f"{NAME}-interruptions")["inputs"]["policy"]
    )
    assert {s["Effect"] for s in policy["Statement"]} == {"Allow", "Deny"}
    rules = [r for r in dev.of_type("aws:cloudwatch/eventRule:EventRule") if r["name"].startswith(NAME)]
    kinds = {json.loads(r["inputs"]["eventPattern"])["detail-type"][0] for r in rules}
    assert kinds == {
        "AWS Health Event",
        "EC2 Spot Instance Interruption Warning",
        "EC2 Instance Rebalance Recommendation",
        "EC2 Instance State-change Notification",
    }
    targets = [t for t in dev.of_type("aws:cloudwatch/eventTarget:EventTarget") if t["name"].startswith(NAME)]
    assert len(targets) == 4
    assert {t["inputs"]["arn"] for t in targets} == {
        typed(dev, "aws:sqs/queue:Queue", f"{NAME}-interruptions")["outputs"]["arn"]
    }


def test_node_class_is_imdsv2_encrypted_on_private_subnets(dev):
    node_class = typed(dev, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", f"{NAME}-mlfleet")["inputs"]
    spec = node_class["spec"]
    assert spec["role"] == "mlfleet-dev-gpu-nodes"
    assert spec["metadataOptions"]["httpTokens"] == "required"
    assert spec["metadataOptions"]["httpPutResponseHopLimit"] == 1
    assert spec["blockDeviceMappings"][0]["ebs"]["encrypted"] is True
    assert len(spec["subnetSelectorTerms"]) == 2 and all(t["id"] for t in spec["subnetSelectorTerms"])
    assert spec["securityGroupSelectorTerms"] == [{"tags": {"aws:eks:cluster-name": "mlfleet-dev-gpu"}}]
    for pool in dev.of_type("kubernetes:karpenter.sh/v1:NodePool"):
        assert pool["inputs"]["spec"]["template"]["spec"]["nodeClassRef"]["name"] == "mlfleet"
        assert node_class["metadata"]["name"] == "mlfleet"


@pytest.mark.parametrize(
    ("instance", "count"), [("m6i.large", 2), ("g5.xlarge", 4), ("m6i.2xlarge", 8), ("p4d.24xlarge", 96)]
)
def test_vcpus_from_the_instance_size(instance, count):
    assert vcpus(instance) == count


def test_unknown_instance_size_is_an_argument_error():
    with pytest.raises(ComponentArgumentError, match="instance_type"):
        vcpus("m6i.metal")
