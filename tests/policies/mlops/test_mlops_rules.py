"""Battery for the tags rule and the stack-wide MLOps rules (GPU pools, model buckets, serving, topology)."""

import pytest

from tests.policies.battery import run_battery
from tests.policies.harness import PROD_TAGS, TAGS, Case, res
from tests.policies.kubernetes.workloads import deployment

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
SERVING = {"app.kubernetes.io/component": "serving"}


def gpu_pool(name: str = "gpu", tags: dict = TAGS, **changes: object) -> dict:
    inputs = {
        "clusterName": "c",
        "instanceTypes": ["g5.xlarge"],
        "scalingConfig": {"minSize": 0, "maxSize": 4, "desiredSize": 0},
        "capacityType": "SPOT",
        "tags": tags,
        **changes,
    }
    return res(NODE_GROUP, inputs, name)


def karpenter_pool(
    name: str = "gpu-k",
    labels: dict = TAGS,
    instance: str = "g5.xlarge",
    capacity: str = "spot",
    gpu: bool = True,
    consolidate_after: str = "5m",
) -> dict:
    """A Karpenter NodePool shaped like components/addons/karpenter.py's (GPU: taint and limit)."""
    spec: dict = {
        "requirements": [
            {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": [instance]},
            {"key": "karpenter.sh/capacity-type", "operator": "In", "values": [capacity]},
        ],
        "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "mlfleet"},
    }
    limits: dict = {"cpu": "16"}
    if gpu:
        spec["taints"] = [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]
        limits["nvidia.com/gpu"] = "4"
    inputs = {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "template": {"metadata": {"labels": {"mlfleet.io/pool": "gpu" if gpu else "cpu"}}, "spec": spec},
            "disruption": {"consolidationPolicy": "WhenEmpty", "consolidateAfter": consolidate_after},
            "limits": limits,
        },
    }
    return res("kubernetes:karpenter.sh/v1:NodePool", inputs, name)


def provider(cloud: str, region: str, name: str, **inputs: object) -> dict:
    return res(f"pulumi:providers:{cloud}", {"region": region, **inputs}, name)


def ref(provider_resource: dict) -> str:
    return f"{provider_resource['urn']}::{provider_resource['name']}-id"


def s3_bucket(name: str = "models", tags: dict = TAGS) -> dict:
    return res("aws:s3/bucket:Bucket", {"bucket": name, "tags": tags}, name, {"arn": f"arn:aws:s3:::{name}"})


def versioning(status: str) -> dict:
    return res(
        "aws:s3/bucketVersioning:BucketVersioning",
        {"bucket": "models", "versioningConfiguration": {"status": status}},
        "models-versioning",
    )


def gcs_bucket(location: str) -> dict:
    return res(
        "gcp:storage/bucket:Bucket", {"name": "models", "location": location, "labels": PROD_TAGS}, "models"
    )


def serving_on(cloud: str, model_url: str) -> list[dict]:
    component = res(f"mlfleet:{cloud}:ServingService", {}, "serve")
    env = [{"name": "MODEL_REGISTRY_URL", "value": model_url}]
    return [
        component,
        deployment(
            lambda s: s["containers"][0].update(env=env),
            name="model",
            labels=SERVING,
            parent=component["urn"],
        ),
    ]


def clusters(*extra: dict) -> list[dict]:
    east, west = provider("aws", "us-east-1", "use1"), provider("aws", "eu-west-1", "euw1")
    return [
        east,
        west,
        res("aws:eks/cluster:Cluster", {"name": "a", "tags": PROD_TAGS}, "eks-a", provider=ref(east)),
        res("aws:eks/cluster:Cluster", {"name": "b", "tags": PROD_TAGS}, "eks-b", provider=ref(west)),
        *extra,
    ]


TAGGED = provider("aws", "us-east-1", "tagged", defaultTags={"tags": TAGS})

CASES = [
    Case(
        "required-tags",
        [s3_bucket(), res("aws:s3/bucket:Bucket", {"bucket": "d"}, "d", provider=ref(TAGGED)), TAGGED],
        [
            s3_bucket(tags={"environment": "dev"}),
            res("gcp:storage/bucket:Bucket", {"name": "g", "location": "EU"}, "g"),
        ],
        "missing tags: owner, cost-center",
    ),
    Case(
        "mlops-gpu-pool-scale-to-zero",
        [
            gpu_pool(),
            gpu_pool("cpu", instanceTypes=["m6i.large"], scalingConfig={"minSize": 2}),
            karpenter_pool(),
            karpenter_pool("cpu-k", instance="m6i.2xlarge", gpu=False, consolidate_after="Never"),
        ],
        [gpu_pool(scalingConfig={"minSize": 1, "maxSize": 4})],
        "GPU pool minimum size is 1",
        variants=[([karpenter_pool(consolidate_after="Never")], "never removed (consolidateAfter: Never)")],
    ),
    Case(
        "mlops-gpu-pool-spot-outside-prod",
        [
            gpu_pool(),
            gpu_pool("prod-gpu", PROD_TAGS, capacityType="ON_DEMAND"),
            karpenter_pool(),
            karpenter_pool("prod-k", labels=PROD_TAGS, capacity="on-demand"),
        ],
        [gpu_pool(capacityType="ON_DEMAND")],
        "on-demand capacity in environment 'dev'",
        variants=[([karpenter_pool(capacity="on-demand")], "on-demand capacity in environment 'dev'")],
    ),
    Case(
        "mlops-model-bucket-versioned",
        [s3_bucket(), versioning("Enabled")],
        [s3_bucket(), versioning("Suspended")],
        "model bucket models is not versioned",
    ),
    Case(
        "mlops-model-bucket-replicated-in-prod",
        [gcs_bucket("EU")],
        [gcs_bucket("EUROPE-WEST1")],
        "prod model bucket models is not replicated",
    ),
    Case(
        "mlops-serving-own-cloud-registry",
        serving_on("aws", "s3://models/registry"),
        serving_on("aws", "gs://models/registry"),
        "serving on aws reads MODEL_REGISTRY_URL=gs://models/registry from gcp",
    ),
    Case(
        "mlops-monitoring-with-serving",
        [
            deployment(name="model", labels=SERVING),
            res("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", {"metadata": {"name": "m"}}, "sm"),
        ],
        [deployment(name="model", labels=SERVING)],
        "serving model runs on a cluster ((default provider)) with no monitoring stack",
    ),
    Case(
        "mlops-multi-region-front-door",
        clusters(
            res(
                "aws:route53/healthCheck:HealthCheck",
                {"type": "HTTPS", "resourcePath": "/v2/health/ready", "tags": PROD_TAGS},
                "hc",
            ),
            res(
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                {"bucket": "models", "role": "r"},
                "sync",
            ),
        ),
        clusters(),
        "prod spans aws:eu-west-1, aws:us-east-1 but has no health-checked front door",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_battery(pack, case: Case) -> None:
    run_battery(pack, case)


def test_every_rule_has_a_battery(pack) -> None:
    """The mirrored tree covers the whole pack: a new rule without a case fails here."""
    from tests.policies.aws.test_aws_data_and_edge_rules import CASES as AWS_DATA
    from tests.policies.aws.test_aws_rules import CASES as AWS
    from tests.policies.azure.test_azure_hardening_rules import CASES as AZURE_HARDENING
    from tests.policies.azure.test_azure_rules import CASES as AZURE
    from tests.policies.azure.test_private_service_endpoints import CASE as AZURE_PRIVATE_ENDPOINT
    from tests.policies.gcp.test_gcp_hardening_rules import CASES as GCP_HARDENING
    from tests.policies.gcp.test_gcp_rules import CASES as GCP
    from tests.policies.kubernetes.test_ingress_rules import CASES as K8S_INGRESS
    from tests.policies.kubernetes.test_pod_rules import CASES as PODS
    from tests.policies.kubernetes.test_rbac_and_exposure_rules import CASES as K8S_RBAC
    from tests.policies.kubernetes.test_serving_rules import CASES as K8S_SERVING
    from tests.policies.mlops.test_cell_rules import CASES as CELLS
    from tests.policies.mlops.test_day2_rules import CASES as DAY2
    from tests.policies.mlops.test_registry_sync_coverage import CASE as REGISTRY_SYNC

    batteries = (
        AWS,
        AWS_DATA,
        GCP,
        GCP_HARDENING,
        AZURE,
        AZURE_HARDENING,
        [AZURE_PRIVATE_ENDPOINT],
        PODS,
        K8S_SERVING,
        K8S_RBAC,
        K8S_INGRESS,
        CASES,
        DAY2,
        CELLS,
        [REGISTRY_SYNC],
    )
    covered = [c.rule for cases in batteries for c in cases]
    assert sorted(set(pack.rules) - set(covered)) == []
    assert len(covered) == len(set(covered)) == len(pack.rules)
