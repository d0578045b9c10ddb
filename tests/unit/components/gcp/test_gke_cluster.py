"""GKE TrainingCluster on the gcp-dev plan, and the production variant run directly on the mocks."""

from __future__ import annotations

import pytest

from components.context import PlatformContext
from components.target import CloudTarget
from components.training_cluster import GpuPoolArgs, TrainingClusterArgs, training_cluster
from mlfleet.engine.harness import Plan, preview_stack, run_program
from tests.unit.components.plans import TAG_KEYS, encryption_key

NODE_POOL = "gcp:container/nodePool:NodePool"
KEY = "projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return preview_stack("gcp-dev")


def _pools(plan: Plan) -> dict[str, dict]:
    return {r["inputs"]["name"]: r["inputs"] for r in plan.of_type(NODE_POOL)}


def test_system_cpu_and_gpu_pools_spot_outside_prod_gpu_from_zero(plan):
    pools = _pools(plan)
    assert set(pools) == {"system", "cpu", "gpu-gpu"}
    assert pools["system"]["nodeConfig"]["spot"] is False
    assert pools["system"]["autoscaling"]["totalMinNodeCount"] >= 1
    for name in ("cpu", "gpu-gpu"):
        assert pools[name]["nodeConfig"]["spot"] is True
        assert pools[name]["autoscaling"]["totalMinNodeCount"] == 0
    gpu = pools["gpu-gpu"]["nodeConfig"]
    assert gpu["machineType"] == "g2-standard-8"
    assert gpu["labels"] == {"mlfleet.io/pool": "gpu"}
    assert gpu["taints"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}]
    # GKE installs the NVIDIA driver (and its device plugin) on accelerator pools itself.
    assert gpu["guestAccelerators"] == [
        {"type": "nvidia-l4", "count": 1, "gpuDriverInstallationConfig": {"gpuDriverVersion": "LATEST"}}
    ]
    for pool in pools.values():
        assert pool["nodeConfig"]["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
        assert TAG_KEYS <= pool["nodeConfig"]["resourceLabels"].keys()
    assert not [r for r in plan.of_type("kubernetes:helm.sh/v3:Release") if "nvidia" in r["name"]]


def test_cmek_secrets_workload_identity_dataplane_v2_logging_and_authorized_networks(plan):
    cluster = plan.one("gcp:container/cluster:Cluster")["inputs"]
    key = encryption_key(plan, "gcp:kms/cryptoKey:CryptoKey")["inputs"]
    key_id = f"{key['keyRing']}/cryptoKeys/{key['name']}"
    assert cluster["databaseEncryption"] == {"state": "ENCRYPTED", "keyName": key_id}
    assert cluster["workloadIdentityConfig"] == {"workloadPool": "mlfleet-dev-123456.svc.id.goog"}
    assert cluster["datapathProvider"] == "ADVANCED_DATAPATH"
    assert {"APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"} <= set(
        cluster["loggingConfig"]["enableComponents"]
    )
    assert cluster["privateClusterConfig"] == {"enablePrivateNodes": True, "enablePrivateEndpoint": False}
    assert cluster["masterAuthorizedNetworksConfig"]["cidrBlocks"] == [
        {"cidrBlock": "203.0.113.0/24", "displayName": "203.0.113.0/24"}
    ]
    assert cluster["removeDefaultNodePool"] is True
    assert TAG_KEYS <= cluster["resourceLabels"].keys()


def test_gke_service_agent_may_use_the_key_before_the_cluster_exists(plan):
    cluster = plan.one("gcp:container/cluster:Cluster")
    grants = [
        r
        for r in plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
        if "container-engine-robot" in r["inputs"]["member"]
    ]
    assert len(grants) == 1
    assert grants[0]["inputs"]["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert grants[0]["urn"] in cluster["dependencies"]


def test_production_is_on_demand_private_endpoint_and_deletion_protected():
    context = PlatformContext("mlfleet", "prod", "prod", "ml-platform", "cc-1234")

    def program() -> None:
        args = TrainingClusterArgs(
            private_endpoint=True,
            encryption_key=KEY,
            gpu_pools={"a100": GpuPoolArgs("a2-highgpu-2g", "nvidia-tesla-a100", gpus_per_node=2)},
        )
        training_cluster("c", args, CloudTarget("gcp", "europe-west4", project="p"), context)

    plan = run_program(program, stack="prod")
    pools = _pools(plan)
    assert {name: p["nodeConfig"]["spot"] for name, p in pools.items()} == {
        "system": False,
        "cpu": False,
        "gpu-a100": False,
    }
    accelerator = pools["gpu-a100"]["nodeConfig"]["guestAccelerators"][0]
    assert (accelerator["type"], accelerator["count"]) == ("nvidia-tesla-a100", 2)
    assert pools["gpu-a100"]["nodeConfig"]["machineType"] == "a2-highgpu-2g"
    cluster = plan.one("gcp:container/cluster:Cluster")["inputs"]
    assert cluster["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert cluster["deletionProtection"] is True
    assert cluster["databaseEncryption"]["keyName"] == KEY
