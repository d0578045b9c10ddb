"""Comparing plans by URN: actions, nested property paths, options, outputs, config, secrets."""

from __future__ import annotations

import copy
import json

from mlfleet.diff.compare import PropertyChange, compare_all, compare_plans, diff_values, join
from tests.diff.plans import BUCKET, QUEUE, SSE, base_and_head, plan, resource, secret


def by_name(diff, name):
    return next(r for r in diff.resources if r.name == name)


def test_identical_plans_have_no_changes() -> None:
    base, _ = base_and_head()
    diff = compare_plans(base, copy.deepcopy(base), "dev")
    assert diff.status == "unchanged" and not diff.has_changes
    assert diff.resources == [] and diff.unchanged == len(base["resources"])


def test_added_removed_updated_resources() -> None:
    base, head = base_and_head()
    diff = compare_plans(base, head, "dev")
    actions = {r.name: r.action for r in diff.resources}
    assert actions == {
        "data": "update",
        "data-sse": "update",
        "jobs": "update",
        "new": "create",
        "old": "delete",
    }
    assert [diff.count(a) for a in ("create", "update", "replace", "delete")] == [1, 3, 0, 1]
    assert diff.unchanged == 1  # the root stack
    assert by_name(diff, "new").properties == []  # a created resource is listed, not its inputs


def test_nested_property_path() -> None:
    base, head = base_and_head()
    sse = by_name(compare_plans(base, head, "dev"), "data-sse")
    assert sse.properties == [
        PropertyChange(
            "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm", "change", '"AES256"', '"aws:kms"'
        )
    ]


def test_added_map_key_and_scalar_change() -> None:
    base, head = base_and_head()
    diff = compare_plans(base, head, "dev")
    assert by_name(diff, "data").properties == [PropertyChange("tags.team", "add", None, '"ml"')]
    assert by_name(diff, "jobs").properties == [
        PropertyChange("messageRetentionSeconds", "change", "3600", "7200")
    ]


def test_resource_options_protect_provider_parent_depends_on() -> None:
    base, head = base_and_head()
    assert by_name(compare_plans(base, head, "dev"), "data").options == [
        PropertyChange("protect", "change", "false", "true")
    ]
    head2 = copy.deepcopy(base)
    jobs = next(r for r in head2["resources"] if r["name"] == "jobs")
    jobs["provider"] = "urn:pulumi:dev::demo::pulumi:providers:aws::eu::id1"
    jobs["parent"] = by_name_res(head2, "data")["urn"]
    jobs["explicitDependencies"] = [by_name_res(head2, "data")["urn"]]
    options = {o.path: o for o in by_name(compare_plans(base, head2, "dev"), "jobs").options}
    assert set(options) == {"provider", "parent", "dependsOn"}
    assert options["provider"].old == "null"
    assert options["provider"].new == json.dumps(jobs["provider"])


def by_name_res(p, name):
    return next(r for r in p["resources"] if r["name"] == name)


def test_outputs_and_config_changes() -> None:
    base, head = base_and_head()
    diff = compare_plans(base, head, "dev")
    assert diff.outputs == [
        PropertyChange("addedOutput", "add", None, '"x"'),
        PropertyChange("region", "change", '"us-east-1"', '"eu-west-1"'),
        PropertyChange("removedOutput", "remove", "1", None),
    ]
    assert diff.config == [PropertyChange("demo:replicas", "change", "2", "3")]


def test_replace_on_known_property() -> None:
    base = plan(resources=[resource("dev", BUCKET, "data", {"bucket": "a", "forceDestroy": False})])
    head = plan(resources=[resource("dev", BUCKET, "data", {"bucket": "b", "forceDestroy": True})])
    change = compare_plans(base, head, "dev").resources[0]
    assert change.action == "replace" and change.replace_keys == ["bucket"]
    # forceDestroy alone is an in-place update
    head2 = plan(resources=[resource("dev", BUCKET, "data", {"bucket": "a", "forceDestroy": True})])
    assert compare_plans(base, head2, "dev").resources[0].action == "update"


def test_kubernetes_metadata_name_replaces() -> None:
    kind = "kubernetes:core/v1:ConfigMap"
    base = plan(resources=[resource("dev", kind, "cm", {"metadata": {"name": "a", "labels": {"x": "1"}}})])
    head = plan(resources=[resource("dev", kind, "cm", {"metadata": {"name": "b", "labels": {"x": "2"}}})])
    change = compare_plans(base, head, "dev").resources[0]
    assert change.action == "replace" and change.replace_keys == ["metadata.name"]


def test_list_growth_and_shrink() -> None:
    changes = diff_values({"a": [1, 2]}, {"a": [1, 3, 4]}, "", _masker())
    assert changes == [
        PropertyChange("a[1]", "change", "2", "3"),
        PropertyChange("a[2]", "add", None, "4"),
    ]
    assert diff_values([1, 2], [1], "x", _masker()) == [PropertyChange("x[1]", "remove", "2", None)]


def test_json_document_in_a_string_is_diffed_inside() -> None:
    old = {"policy": json.dumps({"Statement": [{"Action": "s3:GetObject"}]})}
    new = {"policy": json.dumps({"Statement": [{"Action": "s3:*"}]})}
    assert diff_values(old, new, "", _masker()) == [
        PropertyChange("policy{json}.Statement[0].Action", "change", '"s3:GetObject"', '"s3:*"')
    ]


def test_type_change_is_a_change() -> None:
    assert diff_values({"a": 1}, {"a": True}, "", _masker()) == [PropertyChange("a", "change", "1", "true")]


def test_keys_that_are_not_identifiers_are_quoted() -> None:
    assert join("tags", "kubernetes.io/role") == 'tags["kubernetes.io/role"]'
    assert join("", "demo:replicas") == "demo:replicas"
    assert join("a", 0) == "a[0]"


def test_stack_only_on_one_side() -> None:
    base, head = base_and_head()
    diffs = compare_all({"dev": base}, {"prod": plan("prod", [resource("prod", QUEUE, "q")])})
    assert [(d.stack, d.status) for d in diffs] == [("dev", "removed"), ("prod", "added")]
    assert diffs[0].count("delete") == len(base["resources"])
    assert diffs[1].count("create") == 2
    del head


def test_secret_marker_both_sides_is_unchanged_and_to_from_secret_hides_values() -> None:
    same = diff_values({"password": secret()}, {"password": secret()}, "", _masker())
    assert same == []
    to_secret = diff_values({"password": "hunter2-plain"}, {"password": secret()}, "", _masker())
    from_secret = diff_values({"password": secret()}, {"password": "hunter2-plain"}, "", _masker())
    assert to_secret == [PropertyChange("password", "change", None, None, secret=True, note="now secret")]
    assert from_secret == [
        PropertyChange("password", "change", None, None, secret=True, note="no longer secret")
    ]


def test_added_value_with_a_secret_inside_shows_the_marker_only() -> None:
    changes = diff_values({}, {"env": {"TOKEN": secret(), "MODE": "x"}}, "", _masker())
    assert changes == [PropertyChange("env", "add", None, '{"MODE": "x", "TOKEN": "[secret]"}')]


def test_config_value_secret_on_one_side_is_never_shown_anywhere() -> None:
    value = "s3cr3t-from-plain-config"
    base = plan(
        resources=[resource("dev", SSE, "x", {"password": value, "note": f"pw={value}"})],
        config={"demo:dbPassword": value},
        outputs={"dsn": f"postgres://u:{value}@db"},
    )
    head = plan(
        resources=[resource("dev", SSE, "x", {"password": secret(), "note": "rotated"})],
        config={"demo:dbPassword": secret()},
        outputs={"dsn": "postgres://db"},
    )
    diff = compare_plans(base, head, "dev")
    dumped = json.dumps(diff.to_dict())
    assert value not in dumped
    assert diff.config == [
        PropertyChange("demo:dbPassword", "change", None, None, secret=True, note="now secret")
    ]
    assert {c.path for c in diff.resources[0].properties} == {"password", "note"}
    assert all(c.secret for c in diff.resources[0].properties)
    assert diff.outputs == [PropertyChange("dsn", "change", None, None, secret=True)]


def _masker():
    from mlfleet.diff.compare import _Masker

    return _Masker(())
