"""The PR comment: severity order, header, size limit that never drops a replace or a delete,
long values shown where they differ, and the policy section limited to what is new."""

from __future__ import annotations

import re

from mlfleet.diff.compare import compare_plans
from mlfleet.diff.render import GITHUB_COMMENT_LIMIT, markdown, text
from tests.diff.plans import BUCKET, QUEUE, plan, resource


def test_resources_are_ordered_by_severity() -> None:
    protected = resource("dev", BUCKET, "kept", {"bucket": "kept"}, protect=True)
    replaced = resource("dev", BUCKET, "renamed", {"bucket": "one"})
    deleted = resource("dev", QUEUE, "gone", {"name": "gone"})
    updated = resource("dev", QUEUE, "tuned", {"delaySeconds": 0})
    base = plan(resources=[updated, deleted, replaced, protected])
    head = plan(
        resources=[
            {**updated, "inputs": {"delaySeconds": 5}},
            {**replaced, "inputs": {"bucket": "two"}},
            resource("dev", QUEUE, "added", {"name": "added"}),
        ]
    )
    diff = compare_plans(base, head, "dev")
    assert [(r.name, r.action) for r in diff.resources] == [
        ("kept", "delete"),
        ("renamed", "replace"),
        ("gone", "delete"),
        ("added", "create"),
        ("tuned", "update"),
    ]


def test_header_names_head_sha_and_run() -> None:
    out = markdown([], head_sha="0123456789abcdef0123", run_url="https://github.com/o/r/actions/runs/1")
    assert "(head `0123456789ab`, [workflow run](https://github.com/o/r/actions/runs/1))" in out


def test_huge_diff_keeps_every_delete_and_replace_under_the_limit() -> None:
    big = "x" * 300
    updates = [resource("dev", QUEUE, f"u{i}", {"policy": big + "0"}) for i in range(2000)]
    deletes = [resource("dev", BUCKET, f"del-{i}", {"bucket": f"del-{i}"}) for i in range(300)]
    base = plan(resources=[*updates, *deletes])
    head = plan(resources=[{**r, "inputs": {"policy": big + "1"}} for r in updates])
    diff = compare_plans(base, head, "dev")
    out = markdown([diff])
    assert len(out) < GITHUB_COMMENT_LIMIT
    assert all(f"del-{i}" in out for i in range(300))
    assert "2000 update not listed here" in out and "Shortened to fit GitHub's comment limit" in out
    # thousands of deletes: names no longer fit, counts by type still show them all
    many = [resource("dev", BUCKET, f"bucket-with-a-long-name-{i}", {}) for i in range(3000)]
    out = markdown([compare_plans(plan(resources=many), plan(), "dev")])
    assert len(out) < GITHUB_COMMENT_LIMIT and "- 3000 x aws:s3/bucket:Bucket" in out


def test_long_values_show_where_they_differ() -> None:
    prefix = "p" * 500
    base = plan(resources=[resource("dev", QUEUE, "q", {"policy": prefix + "OLD-END"})])
    head = plan(resources=[resource("dev", QUEUE, "q", {"policy": prefix + "NEW-END"})])
    out = text([compare_plans(base, head, "dev")])
    line = next(line for line in out.splitlines() if "policy:" in line)
    assert "OLD-END" in line and "NEW-END" in line and line.count("…") == 2


def violation(rule: str, name: str, level: str = "advisory") -> dict:
    return {
        "rule": rule,
        "enforcement": level,
        "urn": f"urn:pulumi:dev::demo::{QUEUE}::{name}",
        "message": "m",
    }


def test_policy_section_lists_only_new_violations_and_is_capped() -> None:
    old = [violation("r1", "a"), violation("r2", "b")]
    new = [violation("r3", f"n{i}", "mandatory" if i == 0 else "advisory") for i in range(60)]
    head = [{"stack": "dev", "resources": 5, "mandatory": 1, "advisory": 61, "violations": old + new}]
    base = [{"stack": "dev", "resources": 5, "mandatory": 0, "advisory": 2, "violations": old}]
    out = markdown([], policy=head, base_policy=base)
    assert "60 violation(s) new against the base branch" in out
    assert "| `dev` | 5 | 1 | 61 | 60 |" in out
    assert "`r1`" not in out and "`r2`" not in out
    items = re.findall(r"^- \*\*(MANDATORY|ADVISORY)\*\*", out, flags=re.M)
    assert items[0] == "MANDATORY" and len(items) == 25
    assert "- … 35 more: see the policy report" in out
    same = markdown([], policy=base, base_policy=base)
    assert "No violation is new against the base branch; 0 mandatory, 2 advisory as before." in same


def test_several_violations_of_one_rule_on_one_resource_are_matched_one_by_one() -> None:
    base = [{"stack": "dev", "violations": [{**violation("r", "a"), "message": "statement 1"}]}]
    head = [
        {
            "stack": "dev",
            "violations": [
                {**violation("r", "a"), "message": "statement 2"},
                {**violation("r", "a"), "message": "statement 1"},
            ],
        }
    ]
    out = markdown([], policy=head, base_policy=base)
    assert "1 violation(s) new against the base branch" in out
    assert "statement 2" in out and "statement 1" not in out
