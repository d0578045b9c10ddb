"""Bring your own kubeconfig: only namespaces, quotas and limit ranges at the cluster level."""

from __future__ import annotations

from mlfleet.engine.harness import preview_stack


def test_only_namespaces_quotas_and_limit_ranges_belong_to_the_cluster_block():
    plan = preview_stack("local")
    cluster = plan.one("mlfleet:kubernetes:TrainingCluster")
    below, parents = [], {cluster["urn"]}
    for resource in plan.resources:  # registration order: parents come before their children
        if resource["parent"] in parents:
            below.append(resource)
            parents.add(resource["urn"])
    kinds = {r["type"] for r in below if r["custom"]}
    assert kinds == {
        "kubernetes:core/v1:Namespace",
        "kubernetes:core/v1:ResourceQuota",
        "kubernetes:core/v1:LimitRange",
    }
    assert not [r for r in plan.resources if r["type"].split(":")[0] in {"aws", "gcp", "azure-native"}]
    namespaces = {
        r["inputs"]["metadata"]["name"]: r["inputs"] for r in plan.of_type("kubernetes:core/v1:Namespace")
    }
    assert set(namespaces) == {"mlfleet", "monitoring"}
    assert namespaces["mlfleet"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    quotas = {
        r["inputs"]["metadata"]["namespace"]: r["inputs"]
        for r in plan.of_type("kubernetes:core/v1:ResourceQuota")
    }
    assert {"requests.cpu", "requests.memory", "limits.memory", "pods"} <= quotas["mlfleet"]["spec"][
        "hard"
    ].keys()
    for limits in plan.of_type("kubernetes:core/v1:LimitRange"):
        (item,) = limits["inputs"]["spec"]["limits"]
        assert item["type"] == "Container" and item["default"] and item["defaultRequest"]
    assert plan.outputs["kubeconfig"] != "" and "clusterName" in plan.outputs
