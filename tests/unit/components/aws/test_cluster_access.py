"""The CI deployer and drift reader of every AWS stack get access to exactly their own cell's EKS
cluster (access entries + access policies), and the deployer may create such entries only for the
stack's own roles on the stack's own clusters."""

from __future__ import annotations

import fnmatch
import json

import pytest

from components.aws import deployer_permissions
from components.aws.cluster_access import ADMIN_POLICY, READ_POLICY
from mlfleet.engine.harness import preview_stack

ENTRY = "aws:eks/accessEntry:AccessEntry"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
CLUSTER = "aws:eks/cluster:Cluster"
ROLE = "aws:iam/role:Role"
PROVIDER = "pulumi:providers:kubernetes"


@pytest.mark.parametrize("stack", ["dev", "staging", "prod", "staging-global"])
def test_each_cluster_admits_its_cells_deployer_as_admin_and_drift_reader_as_viewer(stack: str) -> None:
    plan = preview_stack(stack)
    clusters = plan.of_type(CLUSTER)
    assert clusters, stack
    role_arns = {r["name"]: r["outputs"]["arn"] for r in plan.of_type(ROLE)}
    assert len(plan.of_type(ENTRY)) == len(plan.of_type(ASSOCIATION)) == 2 * len(clusters)
    for cluster in clusters:
        name = cluster["inputs"]["name"]
        prefix = name.removesuffix("-gpu")
        wanted = {
            role_arns[f"{prefix}-id-deployer"]: ADMIN_POLICY,
            role_arns[f"{prefix}-id-drift"]: READ_POLICY,
        }
        entries = [r for r in plan.of_type(ENTRY) if r["inputs"]["clusterName"] == name]
        assert {e["inputs"]["principalArn"] for e in entries} == set(wanted), name
        assert all(e["inputs"]["type"] == "STANDARD" for e in entries)
        associations = [r for r in plan.of_type(ASSOCIATION) if r["inputs"]["clusterName"] == name]
        assert {a["inputs"]["principalArn"]: a["inputs"]["policyArn"] for a in associations} == wanted
        assert all(a["inputs"]["accessScope"] == {"type": "cluster"} for a in associations)
        # Every Kubernetes object goes through the cluster's provider, which waits for the access.
        (provider,) = [p for p in plan.of_type(PROVIDER) if p["name"] == f"{name}-k8s"]
        assert {a["urn"] for a in associations} <= set(provider["dependencies"]), name


def test_the_deployer_manages_access_entries_of_its_own_clusters_for_its_own_roles_only() -> None:
    statements = deployer_permissions.statements("mlfleet-dev")

    def allowed(action: str, resource: str, context: dict[str, str]) -> bool:
        for s in statements:
            if action not in s["Action"] or not any(fnmatch.fnmatchcase(resource, r) for r in s["Resource"]):
                continue
            ok = True
            for operator, keys in s.get("Condition", {}).items():
                for key, values in keys.items():
                    values = values if isinstance(values, list) else [values]
                    have = context.get(key)
                    match = fnmatch.fnmatchcase if operator.endswith("Like") else str.__eq__
                    ok &= have is not None and any(match(have, v) for v in values)
            if ok:
                return True
        return False

    own = "arn:aws:eks:us-east-1:123456789012:cluster/mlfleet-dev-gpu"
    other = "arn:aws:eks:us-east-1:123456789012:cluster/mlfleet-prod-gpu"
    deployer = "arn:aws:iam::123456789012:role/mlfleet-dev-id-deployer"
    stranger = "arn:aws:iam::123456789012:role/someone-else"
    assert allowed("eks:CreateAccessEntry", own, {"eks:principalArn": deployer})
    assert not allowed("eks:CreateAccessEntry", own, {"eks:principalArn": stranger})
    assert not allowed("eks:CreateAccessEntry", other, {"eks:principalArn": deployer})

    entry = "arn:aws:eks:us-east-1:123456789012:access-entry/{}/role/123456789012/{}/0b1c"
    admin = {"eks:policyArn": ADMIN_POLICY, "eks:accessScope": "cluster"}
    assert allowed(
        "eks:AssociateAccessPolicy", entry.format("mlfleet-dev-gpu", "mlfleet-dev-id-deployer"), admin
    )
    assert not allowed(
        "eks:AssociateAccessPolicy", entry.format("mlfleet-prod-gpu", "mlfleet-dev-id-deployer"), admin
    )
    assert not allowed("eks:AssociateAccessPolicy", entry.format("mlfleet-dev-gpu", "someone-else"), admin)
    secrets_admin = {
        "eks:policyArn": admin["eks:policyArn"].replace("Cluster", "Secret"),
        "eks:accessScope": "cluster",
    }
    assert not allowed(
        "eks:AssociateAccessPolicy", entry.format("mlfleet-dev-gpu", "mlfleet-dev-id-deployer"), secrets_admin
    )
    assert json.dumps(statements).count("{prefix}") == 0
