"""Aliases: a resource that moved (new name or parent) with an alias naming its old URN is the same
resource, as the engine treats it; so are references to a provider that moved that way."""

from __future__ import annotations

from mlfleet.diff.compare import compare_plans
from tests.diff.plans import plan, resource, urn

PROVIDER = "pulumi:providers:aws"
BUCKET = "aws:s3/bucket:Bucket"


def moved_provider_plans(alias: bool) -> tuple[dict, dict]:
    """Base: a provider created inside a component; head: the same provider at the top, aliased."""
    component = resource("dev", "mlfleet:aws:ModelBucket", "models", custom=False)
    old_type = f"mlfleet:aws:ModelBucket${PROVIDER}"
    old_provider = resource("dev", old_type, "models-us-west-2", {"region": "us-west-2"})
    old_provider["parent"] = component["urn"]
    new_provider = resource("dev", PROVIDER, "aws-us-west-2", {"region": "us-west-2"})
    if alias:
        new_provider["aliases"] = [old_provider["urn"]]
    replica = resource("dev", BUCKET, "replica", {"bucket": "replica"}, parent=component["urn"])
    base_replica = dict(replica, provider=f"{old_provider['urn']}::models-us-west-2-1234")
    base_replica["explicitDependencies"] = [old_provider["urn"]]
    head_replica = dict(replica, provider=f"{new_provider['urn']}::aws-us-west-2-5678")
    head_replica["explicitDependencies"] = [new_provider["urn"]]
    return (
        plan("dev", [component, old_provider, base_replica]),
        plan("dev", [component, new_provider, head_replica]),
    )


def test_an_aliased_provider_and_the_resources_on_it_are_unchanged() -> None:
    diff = compare_plans(*moved_provider_plans(alias=True), "dev")
    assert diff.status == "unchanged", [r.to_dict() for r in diff.resources]
    assert diff.unchanged == 4  # the stack, the component, the provider, the bucket


def test_without_the_alias_the_provider_is_deleted_and_created_and_references_change() -> None:
    diff = compare_plans(*moved_provider_plans(alias=False), "dev")
    actions = {(r.name, r.action) for r in diff.resources}
    assert actions == {("models-us-west-2", "delete"), ("aws-us-west-2", "create"), ("replica", "update")}
    replica = next(r for r in diff.resources if r.name == "replica")
    assert {o.path for o in replica.options} == {"provider", "dependsOn"}


def test_an_alias_does_not_hide_input_changes() -> None:
    base, head = moved_provider_plans(alias=True)
    next(r for r in head["resources"] if r["name"] == "aws-us-west-2")["inputs"] = {"region": "eu-west-1"}
    diff = compare_plans(base, head, "dev")
    [change] = diff.resources
    assert change.action == "update" and change.urn == urn("dev", PROVIDER, "aws-us-west-2")
    assert [p.path for p in change.properties] == ["region"]


def test_an_alias_naming_a_urn_the_head_still_has_is_not_a_move() -> None:
    base, head = moved_provider_plans(alias=True)
    head["resources"].append(next(r for r in base["resources"] if r["name"] == "models-us-west-2"))
    diff = compare_plans(base, head, "dev")
    assert ("aws-us-west-2", "create") in {(r.name, r.action) for r in diff.resources}


def test_a_newly_declared_empty_default_is_no_config_change() -> None:
    base, head = moved_provider_plans(alias=True)
    head["config"] = {"demo:cells": [], "demo:region": ""}
    assert compare_plans(base, head, "dev").status == "unchanged"
    head["config"] = {"demo:cells": [{"name": "a"}]}
    assert [c.path for c in compare_plans(base, head, "dev").config] == ["demo:cells"]
