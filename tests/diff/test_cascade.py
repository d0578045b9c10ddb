"""A replaced resource's dependents: replaced too where the input that reads it is force-new for
their type, and onwards through them; otherwise "may change"."""

from __future__ import annotations

import copy

from mlfleet.diff.compare import MAY_CHANGE, compare_plans
from mlfleet.diff.render import text
from tests.diff.plans import BUCKET, QUEUE, plan, resource

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
CLUSTER = "aws:eks/cluster:Cluster"


def plans(key: str = "name", value: str = "c2") -> tuple[dict, dict]:
    cluster = resource("dev", CLUSTER, "c", {"name": "c1", "roleArn": "arn:r"})
    # the node group reads the cluster's name into clusterName (force-new for a node group)
    group = resource("dev", NODE_GROUP, "g", {"clusterName": "c1", "nodeRoleArn": "arn:n"})
    group["propertyDependencies"] = {"clusterName": [cluster["urn"]]}
    # a queue whose tags read the node group (not force-new): may change
    queue = resource("dev", QUEUE, "q", {"tags": {"group": "g"}})
    queue["propertyDependencies"] = {"tags": [group["urn"]]}
    # a bucket that reads nothing replaced
    bucket = resource("dev", BUCKET, "b", {"bucket": "b"})
    base = plan(resources=[cluster, group, queue, bucket])
    head = copy.deepcopy(base)
    head["resources"][1]["inputs"][key] = value
    return base, head


def test_replacement_cascades_through_force_new_inputs() -> None:
    diff = compare_plans(*plans(), "dev")
    actions = {r.name: r.action for r in diff.resources}
    assert actions == {"c": "replace", "g": "replace", "q": MAY_CHANGE}
    group = next(r for r in diff.resources if r.name == "g")
    assert group.replace_keys == ["clusterName"] and group.caused_by == [
        f"clusterName <- {CLUSTER} c (replaced)"
    ]
    assert diff.count(MAY_CHANGE) == 1 and diff.unchanged == 2  # the root stack and the bucket
    out = text([diff])
    assert f"~? {QUEUE}  q  (may change: reads outputs of a replaced or new resource)" in out
    assert f"<- tags <- {NODE_GROUP} g (replaced)" in out


def test_no_replacement_no_cascade() -> None:
    diff = compare_plans(*plans("tags", "x"), "dev")
    assert {r.name: r.action for r in diff.resources} == {"c": "update"}


def test_readers_of_a_resource_renamed_without_an_alias_change() -> None:
    """Renamed without an alias: the old cluster is deleted, a new one created, and the node group
    that reads it is replaced (its clusterName will be the new cluster's)."""
    base, _ = plans()
    head = copy.deepcopy(base)
    cluster = head["resources"][1]
    cluster["urn"] = cluster["urn"].replace("::c", "::c-renamed")
    cluster["name"] = "c-renamed"
    head["resources"][2]["propertyDependencies"] = {"clusterName": [cluster["urn"]]}
    diff = compare_plans(base, head, "dev")
    actions = {r.name: r.action for r in diff.resources}
    assert actions == {"c": "delete", "c-renamed": "create", "g": "replace", "q": MAY_CHANGE}
    group = next(r for r in diff.resources if r.name == "g")
    assert group.caused_by == [f"clusterName <- {CLUSTER} c-renamed (new)"]


def test_a_top_level_input_that_is_not_an_identifier_is_diffed() -> None:
    base = plan(resources=[resource("dev", BUCKET, "b", {"bucket": "b", "odd-key": 1})])
    head = plan(resources=[resource("dev", BUCKET, "b", {"bucket": "b", "odd-key": 2})])
    (change,) = compare_plans(base, head, "dev").resources
    assert change.action == "update" and change.properties[0].path == "odd-key"


DEPLOYMENT = "kubernetes:apps/v1:Deployment"
COMMAND = "command:local:Command"


def _deployment_reading_a_new_push(selector_reads_it: bool) -> tuple[dict, dict]:
    """A Deployment whose `spec` reads a newly created push command's output. Pulumi records the
    dependency on `spec` as a whole; where inside it the output lands decides the replacement."""
    ref = "registry.example.com/serving:src-0a3c7a79b8675df6"
    labels = {"app": "serving"}
    spec = {
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"image": "serving:0.1.0"}]}},
    }
    base = plan(resources=[resource("dev", DEPLOYMENT, "serving", {"spec": spec})])
    push = resource("dev", COMMAND, "push", {"create": f"push --ref {ref}"})
    push["outputs"] = {"stdout": f"pushed {ref}@sha256:{'a' * 64}"}
    new_spec = copy.deepcopy(spec)
    new_spec["template"]["spec"]["containers"][0]["image"] = ref  # taken out of the output line
    if selector_reads_it:
        new_spec["selector"]["matchLabels"]["image"] = ref
    deployment = resource("dev", DEPLOYMENT, "serving", {"spec": new_spec})
    deployment["propertyDependencies"] = {"spec": [push["urn"]]}
    return base, plan(resources=[push, deployment])


def test_a_new_output_read_below_a_force_new_path_only_updates() -> None:
    """The image changes, not spec.selector (force-new for a Deployment): an update, as the provider
    sees the unknown output only at the image."""
    diff = compare_plans(*_deployment_reading_a_new_push(selector_reads_it=False), "dev")
    assert {r.name: r.action for r in diff.resources} == {"push": "create", "serving": "update"}


def test_a_new_output_read_at_a_force_new_path_replaces() -> None:
    diff = compare_plans(*_deployment_reading_a_new_push(selector_reads_it=True), "dev")
    serving = next(r for r in diff.resources if r.name == "serving")
    assert serving.action == "replace" and serving.replace_keys == ["spec.selector"]
