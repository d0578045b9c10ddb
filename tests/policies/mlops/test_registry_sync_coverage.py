"""mlops-multi-cell-registry-sync through the pack's analyzer protocol: in a stack spanning regions,
every cell's model registry is the sync's source, a native replica, or the destination of a
`mlfleet-registry sync` CronJob whose pods' service account a federated identity with write there
trusts (AWS role `:sub`, GCP pool principal, Azure federated credential). The real staging-global and
dr plans pass it (tests/policies/test_stacks_compliant.py runs every stack); these are the shapes it
must tell apart."""

from __future__ import annotations

import json

import pytest

from tests.policies.battery import run_battery, violations
from tests.policies.harness import TAGS, Case, res

RULE = "mlops-multi-cell-registry-sync"
SUBJECT = "system:serviceaccount:mlfleet:registry-sync"
SRC, GCS, S3, AZ = (
    "s3://src-models/models",
    "gs://dst-models/models",
    "s3://dst-models/models",
    "az://registry/models",
)


def clusters() -> list[dict]:
    return [
        res("aws:eks/cluster:Cluster", {"name": "a", "region": "us-east-1", "tags": TAGS}, "eks"),
        res("gcp:container/cluster:Cluster", {"name": "g", "location": "europe-west4"}, "gke"),
    ]


def bucket(cloud: str, name: str) -> list[dict]:
    """A model bucket as the ModelBucket block makes it (the component, then the bucket below it)."""
    component = res(f"mlfleet:{cloud}:ModelBucket", {}, f"{name}-block")
    kind = {"aws": "aws:s3/bucket:Bucket", "gcp": "gcp:storage/bucket:Bucket"}[cloud]
    return [
        component,
        res(kind, {"bucket" if cloud == "aws" else "name": name}, name, parent=component["urn"]),
    ]


def sync_job(destination: str, account: str = "registry-sync", source: str = SRC) -> dict:
    container = {
        "name": "sync",
        "command": ["mlfleet-registry"],
        "args": ["sync", destination],
        "env": [{"name": "MLFLEET_REGISTRY", "value": source}],
    }
    pod = {"serviceAccountName": account, "containers": [container]}
    spec = {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": pod}}}}
    return res(
        "kubernetes:batch/v1:CronJob",
        {"metadata": {"name": "sync", "namespace": "mlfleet"}, "spec": spec},
        f"sync-{destination.split('/')[2]}",
    )


def gcp_writer(subject: str = SUBJECT, role: str = "roles/storage.objectCreator") -> list[dict]:
    email = "sync@p.iam.gserviceaccount.com"
    account = res("gcp:serviceaccount/account:Account", {"accountId": "sync", "email": email}, "writer")
    return [
        account,
        res(
            "gcp:serviceaccount/iAMMember:IAMMember",
            {
                "serviceAccountId": "writer",
                "role": "roles/iam.workloadIdentityUser",
                "member": f"principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/{subject}",
            },
            "writer-wif",
        ),
        res(
            "gcp:storage/bucketIAMMember:BucketIAMMember",
            {"bucket": "dst-models", "role": role, "member": f"serviceAccount:{email}"},
            "writer-grant",
        ),
    ]


def aws_writer(subject: str = SUBJECT, resource: str = "arn:aws:s3:::dst-models/models/*") -> list[dict]:
    host = "container.googleapis.com/v1/projects/p/locations/europe-west4/clusters/g"
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/" + host},
                "Condition": {"StringEquals": {f"{host}:sub": subject, f"{host}:aud": "sts.amazonaws.com"}},
            }
        ]
    }
    write = {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": resource}
    return [
        res("aws:iam/role:Role", {"name": "writer", "assumeRolePolicy": json.dumps(trust)}, "writer"),
        res(
            "aws:iam/rolePolicy:RolePolicy",
            {"role": "writer", "policy": json.dumps({"Statement": [write]})},
            "writer-policy",
        ),
    ]


def aws_to_gcp(**writer: str) -> list[dict]:
    """An AWS primary syncing into a GCP cell (the staging-global shape)."""
    return [
        *clusters(),
        *bucket("aws", "src-models"),
        *bucket("gcp", "dst-models"),
        sync_job(GCS),
        *gcp_writer(**writer),
    ]


def gcp_to_aws(**writer: str) -> list[dict]:
    source = "gs://src-models/models"
    return [
        *clusters(),
        *bucket("gcp", "src-models"),
        *bucket("aws", "dst-models"),
        sync_job(S3, source=source),
        *aws_writer(**writer),
    ]


def aws_to_azure(subject: str = SUBJECT) -> list[dict]:
    """An AWS primary syncing into an Azure cell (the dr shape): account, container, identity."""
    component = res("mlfleet:azure:ModelBucket", {}, "weu-block")
    account = res(
        "azure-native:storage:StorageAccount",
        {"accountName": "weumodels"},
        "weu-models",
        parent=component["urn"],
    )
    container = res(
        "azure-native:storage:BlobContainer",
        {"accountName": "weu-models", "containerName": "registry"},
        "weu-registry",
        parent=component["urn"],
        outputs={"id": "/subscriptions/s/.../containers/registry"},
    )
    identity = res(
        "azure-native:managedidentity:UserAssignedIdentity",
        {"resourceName": "writer"},
        "writer",
        outputs={"principalId": "p-1"},
    )
    return [
        res("aws:eks/cluster:Cluster", {"name": "a", "region": "us-east-1", "tags": TAGS}, "eks"),
        res("azure-native:containerservice:ManagedCluster", {"location": "westeurope"}, "aks"),
        *bucket("aws", "src-models"),
        component,
        account,
        container,
        identity,
        res(
            "azure-native:managedidentity:FederatedIdentityCredential",
            {"resourceName": "writer", "subject": subject, "issuer": "https://oidc.eks.example/id/1"},
            "writer-fic",
        ),
        res(
            "azure-native:authorization:RoleAssignment",
            {
                "principalId": "p-1",
                "scope": "/subscriptions/s/.../containers/registry",
                # Storage Blob Data Contributor
                "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/"
                "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
            },
            "writer-role",
        ),
        sync_job(AZ),
    ]


def aws_to_aws(account: str = "registry-sync") -> list[dict]:
    """Two AWS cells: the sync pod's own role (EKS Pod Identity) writes the other region's registry."""
    policy = {
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::dst-models/models/*"}
        ]
    }
    return [
        res("aws:eks/cluster:Cluster", {"name": "a", "region": "us-east-1", "tags": TAGS}, "eks"),
        res("aws:eks/cluster:Cluster", {"name": "b", "region": "us-west-2", "tags": TAGS}, "eks2"),
        *bucket("aws", "src-models"),
        *bucket("aws", "dst-models"),
        res(
            "aws:iam/role:Role",
            {"name": "sync", "assumeRolePolicy": "{}"},
            "sync-role",
            outputs={"arn": "arn:aws:iam::1:role/sync"},
        ),
        res(
            "aws:eks/podIdentityAssociation:PodIdentityAssociation",
            {"namespace": "mlfleet", "serviceAccount": account, "roleArn": "arn:aws:iam::1:role/sync"},
            "sync-association",
        ),
        res("aws:iam/rolePolicy:RolePolicy", {"role": "sync", "policy": json.dumps(policy)}, "sync-grant"),
        sync_job(S3),
    ]


CASE = Case(
    RULE,
    good=aws_to_gcp(),
    bad=[*clusters(), *bucket("aws", "src-models"), *bucket("gcp", "dst-models")],
    message="no registry sync copies the primary's versions into it",
    variants=[
        # A sync into the cell, but the pods run as a service account no writer trusts.
        (
            [*aws_to_gcp()[:-3], *gcp_writer(subject="system:serviceaccount:mlfleet:trainer")],
            "runs as system:serviceaccount:mlfleet:registry-sync, but no federated identity",
        ),
        # The trusted identity may only read there.
        ([*aws_to_gcp(role="roles/storage.objectViewer")], "no federated identity with write on it"),
        ([*gcp_to_aws(subject="system:serviceaccount:other:registry-sync")], "no federated identity"),
        ([*gcp_to_aws(resource="arn:aws:s3:::src-models/models/*")], "no federated identity"),
        (aws_to_azure(subject="system:serviceaccount:mlfleet:serving"), "no federated identity"),
        # Same cloud: the role that may write there is bound to another service account.
        (aws_to_aws(account="trainer"), "no federated identity"),
    ],
)


def test_rule_battery(pack) -> None:
    run_battery(pack, CASE)


@pytest.mark.parametrize(
    "resources",
    [
        pytest.param(gcp_to_aws(), id="gcp-primary-to-aws"),
        pytest.param(aws_to_azure(), id="aws-primary-to-azure"),
        pytest.param(aws_to_aws(), id="aws-primary-to-aws-region-pod-identity"),
        # One region (a one-cell stack with a second bucket): nothing to sync across cells.
        pytest.param(
            [clusters()[0], *bucket("aws", "src-models"), *bucket("aws", "dst-models")], id="one-region"
        ),
        # The primary's bucket also has a native S3 replica in another region: replicated by the cloud.
        pytest.param(
            [
                *aws_to_gcp(),
                *[
                    {**r, "outputs": {**r["outputs"], "arn": "arn:aws:s3:::replica-models"}}
                    for r in bucket("aws", "replica-models")
                ],
                res(
                    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                    {
                        "bucket": "src-models",
                        "rules": [{"destination": {"bucket": "arn:aws:s3:::replica-models"}}],
                    },
                    "replication",
                ),
            ],
            id="native-replica",
        ),
    ],
)
def test_other_compliant_shapes(pack, resources: list[dict]) -> None:
    assert violations(pack, CASE, resources) == []
