"""The CI deployer and drift reader of every GCP stack get in-cluster access by IAM on the stack's
project: the deployer roles/container.admin, the drift reader roles/container.viewer plus Secrets
reads in its custom role; the GKE cluster's Kubernetes provider waits for both grants."""

from __future__ import annotations

import pytest

from components.gcp import deployer_permissions
from components.gcp.cluster_access import ADMIN_ROLE, READ_ROLE
from mlfleet.engine.harness import preview_stack

MEMBER = "gcp:projects/iAMMember:IAMMember"
ACCOUNT = "gcp:serviceaccount/account:Account"
CLUSTER = "gcp:container/cluster:Cluster"
CUSTOM_ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"
PROVIDER = "pulumi:providers:kubernetes"


@pytest.mark.parametrize("stack", ["gcp-dev", "staging-global"])
def test_each_gke_cluster_admits_its_cells_deployer_and_drift_reader(stack: str) -> None:
    plan = preview_stack(stack)
    clusters = plan.of_type(CLUSTER)
    assert clusters, stack
    emails = {r["name"]: r["outputs"]["email"] for r in plan.of_type(ACCOUNT)}
    container_roles = {ADMIN_ROLE, READ_ROLE}
    grants = [r for r in plan.of_type(MEMBER) if r["inputs"]["role"] in container_roles]
    assert len(grants) == 2 * len(clusters)
    for cluster in clusters:
        name = cluster["inputs"]["name"]
        prefix = name.removesuffix("-gpu")
        mine = [g for g in grants if g["name"].startswith(f"{name}-access-")]
        assert {g["inputs"]["member"]: g["inputs"]["role"] for g in mine} == {
            f"serviceAccount:{emails[f'{prefix}-id-deployer']}": ADMIN_ROLE,
            f"serviceAccount:{emails[f'{prefix}-id-drift']}": READ_ROLE,
        }
        (provider,) = [p for p in plan.of_type(PROVIDER) if p["name"] == f"{name}-k8s"]
        assert {g["urn"] for g in mine} <= set(provider["dependencies"]), name
        # `pulumi refresh` reads the Helm release Secrets: the drift reader's custom role has them.
        (drift_role,) = [r for r in plan.of_type(CUSTOM_ROLE) if r["name"] == f"{prefix}-id-drift"]
        # On the project the cell's identities (and their custom roles) live in.
        assert all(g["inputs"]["project"] == drift_role["inputs"]["project"] for g in mine)
        assert {"container.secrets.get", "container.secrets.list"} <= set(drift_role["inputs"]["permissions"])


def test_the_drift_readers_secret_reads_are_reads_of_the_cluster_access_row() -> None:
    reads = deployer_permissions.permissions(["kubernetes:core/v1:Secret"], read_only=True)
    assert {"container.secrets.get", "container.secrets.list", "container.clusters.getCredentials"} <= set(
        reads
    )
    assert not any(p.endswith((".create", ".update", ".delete")) for p in reads)
