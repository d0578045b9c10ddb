"""Text, JSON and Markdown renderings: structure, and no secret value in any of them."""

from __future__ import annotations

import json
import re

from mlfleet.diff.compare import compare_all, compare_plans
from mlfleet.diff.render import COMMENT_MARKER, as_json, markdown, text
from tests.diff.plans import BUCKET, QUEUE, base_and_head, plan, resource, secret


def diffs():
    base, head = base_and_head()
    other = plan("prod", [resource("prod", QUEUE, "q", {"name": "q"})])
    return compare_all({"dev": base, "prod": other}, {"dev": head, "prod": other})


def test_text_lists_every_change() -> None:
    out = text(diffs())
    assert (
        "== stack dev: 1 to create, 3 to update, 1 to delete, 3 output change(s), 1 config change(s)" in out
    )
    assert '~ rules[0].applyServerSideEncryptionByDefault.sseAlgorithm: "AES256" => "aws:kms"' in out
    assert "+ aws:sqs/queue:Queue  new" in out and "- aws:sqs/queue:Queue  old" in out
    assert "~ [option] protect: false => true" in out
    assert "== stack prod: no changes; 2 unchanged" in out
    assert out.endswith("1 of 2 stack(s) changed")


def test_json_is_structured() -> None:
    payload = json.loads(as_json(diffs()))
    assert payload["format"] == "mlfleet.diff" and payload["changes"] is True
    dev = payload["stacks"][0]
    assert dev["counts"] == {"create": 1, "update": 3, "replace": 0, "delete": 1, "mayChange": 0, "same": 1}
    assert payload["stacks"][1]["status"] == "unchanged"


def test_markdown_comment_structure() -> None:
    policy = [
        {
            "stack": "dev",
            "resources": 6,
            "mandatory": 1,
            "advisory": 0,
            "violations": [
                {"rule": "s3-encryption", "enforcement": "mandatory", "urn": "urn:x", "message": "no | kms"}
            ],
        }
    ]
    out = markdown(diffs(), policy=policy, base_label="origin/main", head_label="pr")
    lines = out.splitlines()
    assert lines[0] == COMMENT_MARKER
    assert "`origin/main` → `pr`: 1 of 2 stack(s) change" in out
    header = "| stack | create | update | replace | delete | may change | unchanged | outputs | config |"
    assert header in lines
    assert "| `dev` | 1 | 3 | 0 | 1 | 0 | 1 | 3 | 1 |" in lines
    assert "| `prod` | 0 | 0 | 0 | 0 | 0 | 2 | 0 | 0 |" in lines
    # one collapsible section per changed stack, with a diff code block inside
    assert out.count("<details><summary><code>") == 1
    assert re.search(r"<details><summary><code>dev</code>: 1 to create.*</summary>\n\n```diff\n", out)
    assert out.count("<details") == out.count("</details>") == 2
    assert "#### Policies: ❌ mandatory violations" in out
    assert "| `dev` | 6 | 1 | 0 | 1 |" in lines
    assert "no \\| kms" in out  # table/list cells escape pipes
    # in the diff block the symbol comes first, so GitHub colours added and removed properties
    assert '\n+     tags.team: "ml"\n' in out


def test_markdown_without_policy_has_no_policy_section() -> None:
    assert "Policies" not in markdown(diffs())


def test_markdown_fence_outgrows_backticks_in_values() -> None:
    base = plan(resources=[resource("dev", BUCKET, "b", {"bucket": "a"})])
    head = plan(resources=[resource("dev", BUCKET, "b", {"bucket": "a```b"})])
    out = markdown([compare_plans(base, head, "dev")])
    assert "````diff\n" in out


def test_markdown_stays_under_the_comment_limit() -> None:
    many = [resource("dev", QUEUE, f"q{i}", {"name": f"q{i}", "delaySeconds": 0}) for i in range(400)]
    base = plan(resources=many)
    head = plan(resources=[{**r, "inputs": {**r["inputs"], "delaySeconds": 5}} for r in many])
    out = markdown([compare_plans(base, head, "dev")], max_chars=8000)
    assert len(out) <= 8000
    assert "400 update not listed here (comment size): see the full diff" in out
    assert "| `dev` | 0 | 400 | 0 | 0 | 0 | 1 | 0 | 0 |" in out  # the table is never cut


def test_no_secret_value_in_any_format() -> None:
    value = "plain-then-secret-0xDEADBEEF"
    base = plan(
        resources=[resource("dev", QUEUE, "q", {"name": "q", "token": value, "tags": {"k": value}})],
        config={"demo:token": value, "demo:nested": {"a": value}},
        outputs={"token": value},
    )
    head = plan(
        resources=[
            resource("dev", QUEUE, "q", {"name": "q2", "token": secret()}),
            resource("dev", QUEUE, "added", {"kms": value}),
        ],
        config={"demo:token": secret(), "demo:nested": {"a": secret()}},
        outputs={"token": secret(), "other": value},
    )
    diffs = [compare_plans(base, head, "dev")]
    for rendered in (text(diffs), as_json(diffs), markdown(diffs)):
        assert value not in rendered
        assert "DEADBEEF" not in rendered
    assert "~ demo:token: [secret] (now secret; values hidden)" in text(diffs)
