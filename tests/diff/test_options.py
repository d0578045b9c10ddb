"""Resource options in the diff, as the engine applies them: replaceOnChanges replaces,
ignoreChanges hides, deleteBeforeReplace and retainOnDelete are shown, protect makes a delete or a
replace an error (and `mlfleet diff` exit 3)."""

from __future__ import annotations

import copy
from pathlib import Path

from typer.testing import CliRunner

from mlfleet.cli import app
from mlfleet.diff.compare import compare_plans
from mlfleet.diff.render import markdown, text
from mlfleet.engine.plan import dumps
from tests.diff.plans import BUCKET, QUEUE, plan, resource


def one(base: dict, head: dict):
    (change,) = compare_plans(base, head, "dev").resources
    return change


def test_replace_on_changes_path_replaces_and_other_paths_update() -> None:
    queue = resource("dev", QUEUE, "q", {"tags": {"team": "a"}, "delaySeconds": 0}, replaceOnChanges=["tags"])
    base = plan(resources=[queue])
    head = copy.deepcopy(base)
    head["resources"][1]["inputs"]["tags"]["team"] = "b"
    change = one(base, head)
    assert change.action == "replace" and change.replace_keys == ["tags (replaceOnChanges)"]
    head["resources"][1]["inputs"] = {"tags": {"team": "a"}, "delaySeconds": 5}
    assert one(base, head).action == "update"


def test_ignore_changes_are_not_updates() -> None:
    queue = resource("dev", QUEUE, "q", {"tags": {"team": "a", "x": "1"}}, ignoreChanges=["tags.team"])
    base = plan(resources=[queue])
    head = copy.deepcopy(base)
    head["resources"][1]["inputs"]["tags"]["team"] = "b"
    diff = compare_plans(base, head, "dev")
    assert diff.resources == [] and diff.status == "unchanged"
    head["resources"][1]["inputs"]["tags"]["x"] = "2"
    change = one(base, head)
    assert [p.path for p in change.properties] == ["tags.x"] and change.ignored == ["tags.team"]


def test_delete_before_replace_is_shown() -> None:
    bucket = resource("dev", BUCKET, "b", {"bucket": "one"}, deleteBeforeReplace=True)
    head = copy.deepcopy(bucket)
    head["inputs"]["bucket"] = "two"
    out = text([compare_plans(plan(resources=[bucket]), plan(resources=[head]), "dev")])
    assert "+- aws:s3/bucket:Bucket  b  (replace: bucket changed; deleteBeforeReplace: deleted first" in out


def test_retain_on_delete_is_shown() -> None:
    bucket = resource("dev", BUCKET, "b", {"bucket": "one"}, retainOnDelete=True)
    out = text([compare_plans(plan(resources=[bucket]), plan(), "dev")])
    assert "- aws:s3/bucket:Bucket  b  (retainOnDelete: deleted from the stack, kept in the cloud)" in out


def test_deleting_or_replacing_a_protected_resource_is_an_error() -> None:
    bucket = resource("dev", BUCKET, "b", {"bucket": "one"}, protect=True)
    deleted = compare_plans(plan(resources=[bucket]), plan(), "dev")
    assert len(deleted.errors) == 1 and "is protected and would be deleted" in deleted.errors[0]
    renamed = dict(copy.deepcopy(bucket), inputs={"bucket": "two"})
    replaced = compare_plans(plan(resources=[bucket]), plan(resources=[renamed]), "dev")
    assert "would be replaced" in replaced.errors[0]
    updated = dict(copy.deepcopy(bucket), inputs={"bucket": "one", "tags": {"a": "b"}})
    assert compare_plans(plan(resources=[bucket]), plan(resources=[updated]), "dev").errors == []
    comment = markdown([deleted])
    assert "> [!CAUTION]\n> **1 protected resource(s) would be deleted or replaced**" in comment
    assert "| `dev` ❌ |" in comment


def test_diff_command_exits_3_on_a_protected_delete_after_writing_the_diff(tmp_path: Path) -> None:
    bucket = resource("dev", BUCKET, "b", {"bucket": "one"}, protect=True)
    (tmp_path / "base.json").write_text(dumps(plan(resources=[bucket])))
    (tmp_path / "head.json").write_text(dumps(plan()))
    out = tmp_path / "diff.md"
    args = ["diff", "--base", str(tmp_path / "base.json"), "--head", str(tmp_path / "head.json")]
    result = CliRunner().invoke(app, [*args, "-f", "markdown", "-o", str(out)])
    assert result.exit_code == 3
    assert "error: 1 protected resource(s) would be deleted or replaced (dev: aws:s3/bucket:Bucket b)" in (
        result.output
    )
    assert "ERROR: protected" in out.read_text()
