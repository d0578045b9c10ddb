"""EKS TrainingCluster on the dev (spot, authorized CIDRs) and prod (on-demand, private) plans."""

from __future__ import annotations

import json

import pytest

from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.target import CloudTarget
from components.training_cluster import GpuPoolArgs, TrainingClusterArgs, training_cluster
from mlfleet.engine.harness import Plan, preview_stack, run_program
from tests.unit.components.plans import TAG_KEYS, encryption_key, typed

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"


@pytest.fixture(scope="module")
def dev() -> Plan:
    return preview_stack("dev")


@pytest.fixture(scope="module")
def prod() -> Plan:
    return preview_stack("prod")


def _groups(plan: Plan, cluster: str) -> dict[str, dict]:
    return {r["name"].removeprefix(f"{cluster}-"): r["inputs"] for r in plan.of_type(NODE_GROUP)}


def _node_pools(plan: Plan) -> dict[str, dict]:
    return {r["inputs"]["metadata"]["name"]: r["inputs"]["spec"] for r in plan.of_type(NODE_POOL)}


def test_system_node_group_and_karpenter_cpu_and_gpu_pools_spot_outside_prod_tainted(dev):
    groups = _groups(dev, "mlfleet-dev-gpu")
    # Only the system pool is a managed node group (it runs Karpenter).
    assert set(groups) == {"system"}
    assert groups["system"]["capacityType"] == "ON_DEMAND"
    assert groups["system"]["scalingConfig"] == {"minSize": 2, "desiredSize": 2, "maxSize": 3}
    assert groups["system"]["labels"] == {"mlfleet.io/pool": "system"}
    assert groups["system"].get("taints") is None
    assert TAG_KEYS <= groups["system"]["tags"].keys()
    pools = _node_pools(dev)
    assert set(pools) == {"cpu", "gpu-gpu"}
    for spec in pools.values():
        requirements = {r["key"]: r["values"] for r in spec["template"]["spec"]["requirements"]}
        assert requirements["karpenter.sh/capacity-type"] == ["spot"]
        # Empty nodes go away: every pool returns to zero.
        assert spec["disruption"] == {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "5m"}
    gpu = pools["gpu-gpu"]
    assert gpu["template"]["metadata"]["labels"] == {"mlfleet.io/pool": "gpu"}
    assert gpu["template"]["spec"]["taints"] == [
        {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
    ]
    assert gpu["template"]["spec"]["requirements"][0]["values"] == ["g5.xlarge"]
    assert gpu["limits"] == {"cpu": "16", "nvidia.com/gpu": "4"}
    assert pools["cpu"]["template"]["metadata"]["labels"] == {"mlfleet.io/pool": "cpu"}
    assert "taints" not in pools["cpu"]["template"]["spec"]
    assert pools["cpu"]["limits"] == {"cpu": "80"}


def test_production_pools_are_on_demand(prod):
    for name, spec in _node_pools(prod).items():
        requirements = {r["key"]: r["values"] for r in spec["template"]["spec"]["requirements"]}
        assert requirements["karpenter.sh/capacity-type"] == ["on-demand"], name


def test_nodes_require_imdsv2_with_hop_limit_one(dev):
    template = dev.one("aws:ec2/launchTemplate:LaunchTemplate")
    assert template["inputs"]["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
    }
    for group in dev.of_type(NODE_GROUP):
        reference = group["inputs"]["launchTemplate"]
        assert reference["id"].startswith("lt-")
        assert template["urn"] in group["propertyDependencies"]["launchTemplate"]
        assert reference["version"] == "1", "the template's latest version, not a placeholder"


def test_secrets_encrypted_with_the_stack_key_logs_and_authorized_endpoint(dev):
    cluster = dev.one("aws:eks/cluster:Cluster")["inputs"]
    key = encryption_key(dev, "aws:kms/key:Key")["outputs"]["arn"]
    assert cluster["encryptionConfig"] == {"resources": ["secrets"], "provider": {"keyArn": key}}
    assert set(cluster["enabledClusterLogTypes"]) == {
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    }
    vpc = cluster["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["endpointPublicAccess"] is True
    assert vpc["publicAccessCidrs"] == ["203.0.113.0/24"]
    assert cluster["accessConfig"] == {"authenticationMode": "API"}


def test_prod_api_endpoint_is_private_only(prod):
    vpc = prod.one("aws:eks/cluster:Cluster")["inputs"]["vpcConfig"]
    assert vpc["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in vpc


def test_network_policy_enforced_by_the_vpc_cni(dev):
    cni = typed(dev, "aws:eks/addon:Addon", "mlfleet-dev-gpu-vpc-cni")["inputs"]
    assert json.loads(cni["configurationValues"]) == {"enableNetworkPolicy": "true"}


def test_oidc_provider_trusts_the_cluster_issuer(dev):
    cluster = dev.one("aws:eks/cluster:Cluster")["outputs"]
    issuer = cluster["identities"][0]["oidcs"][0]["issuer"]
    oidc = typed(dev, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "mlfleet-dev-gpu-oidc")
    assert oidc["inputs"]["url"] == issuer
    assert oidc["inputs"]["clientIdLists"] == ["sts.amazonaws.com"]


def test_each_workload_role_is_associated_with_its_service_account(dev):
    agent = typed(dev, "aws:eks/addon:Addon", "mlfleet-dev-gpu-pod-identity-agent")
    assert agent["inputs"]["addonName"] == "eks-pod-identity-agent"
    associations = {
        r["inputs"]["serviceAccount"]: r
        for r in dev.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if r["inputs"]["namespace"] == "mlfleet"
    }
    assert set(associations) == {"trainer", "serving", "registry-sync"}
    for account, association in associations.items():
        role = typed(dev, "aws:iam/role:Role", f"mlfleet-dev-id-{account}")["outputs"]["arn"]
        assert association["inputs"]["roleArn"] == role
        assert association["inputs"]["namespace"] == "mlfleet"
        assert association["inputs"]["clusterName"] == "mlfleet-dev-gpu"
        assert agent["urn"] in association["dependencies"]


def test_nvidia_device_plugin_runs_on_tainted_gpu_nodes(dev):
    plugin = typed(dev, "kubernetes:helm.sh/v3:Release", "mlfleet-dev-gpu-nvidia-device-plugin")["inputs"]
    assert plugin["chart"] == "nvidia-device-plugin"
    assert plugin["version"]
    assert plugin["values"]["nodeSelector"] == {"mlfleet.io/pool": "gpu"}
    assert plugin["values"]["tolerations"][0]["key"] == "nvidia.com/gpu"


def test_instance_types_and_pools_come_from_arguments():
    context = PlatformContext("mlfleet", "t", "test", "ml-platform", "cc-1234")

    def program() -> None:
        args = TrainingClusterArgs(
            authorized_cidrs=("198.51.100.0/24",),
            cpu_instance_type="c7i.4xlarge",
            system_instance_type="t3.large",
            gpu_pools={"a100": GpuPoolArgs("p4d.24xlarge", max_nodes=2), "l4": GpuPoolArgs("g6.xlarge")},
            spot=False,
            encryption_key="arn:aws:kms:us-east-1:123456789012:key/k",
        )
        training_cluster("c", args, CloudTarget("aws", "us-east-1"), context)

    plan = run_program(program)
    assert {k: v["instanceTypes"] for k, v in _groups(plan, "c").items()} == {"system": ["t3.large"]}
    pools = _node_pools(plan)
    assert {k: v["template"]["spec"]["requirements"][0]["values"] for k, v in pools.items()} == {
        "cpu": ["c7i.4xlarge"],
        "gpu-a100": ["p4d.24xlarge"],
        "gpu-l4": ["g6.xlarge"],
    }
    # p4d.24xlarge: 96 vCPUs; one GPU per node unless gpus_per_node says otherwise.
    assert pools["gpu-a100"]["limits"] == {"cpu": "192", "nvidia.com/gpu": "2"}
    assert {r["values"][0] for p in pools.values() for r in p["template"]["spec"]["requirements"][1:2]} == {
        "on-demand"
    }


def test_missing_key_is_a_clean_argument_error():
    context = PlatformContext("mlfleet", "t", "test", "ml-platform", "cc-1234")
    args = TrainingClusterArgs(private_endpoint=True)

    def program() -> None:
        training_cluster("c", args, CloudTarget("aws", "us-east-1"), context)

    with pytest.raises(ComponentArgumentError, match="encryption_key"):
        run_program(program)
