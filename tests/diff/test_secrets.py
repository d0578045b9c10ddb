"""Secrets by fingerprint: a rotated secret is "secret changed", a value that only became secret is
no change, and neither ever shows a value."""

from __future__ import annotations

import copy

from mlfleet.diff.compare import PropertyChange, compare_plans
from mlfleet.diff.render import as_json, markdown, text
from mlfleet.engine.secrets import fingerprint
from tests.diff.plans import QUEUE, plan, resource, secret


def with_secret(value_fingerprint: str | None, plain: str | None = None) -> dict:
    inputs = {"token": plain if plain is not None else secret()}
    queue = resource("dev", QUEUE, "q", inputs)
    config = {"demo:token": plain if plain is not None else secret()}
    out = plan(resources=[queue], config=config)
    if value_fingerprint is not None:
        queue["secretFingerprints"] = {"token": value_fingerprint}
        out["secretFingerprints"] = {"config": {"demo:token": value_fingerprint}}
    return out


def test_rotated_secret_is_a_secret_change() -> None:
    diff = compare_plans(with_secret("aaaa"), with_secret("bbbb"), "dev")
    assert diff.resources[0].properties == [
        PropertyChange("token", "change", None, None, secret=True, note="secret changed")
    ]
    assert diff.config == [
        PropertyChange("demo:token", "change", None, None, secret=True, note="secret changed")
    ]
    assert "~ token: [secret] (secret changed; values hidden)" in text([diff])


def test_same_secret_and_plans_without_fingerprints_are_no_change() -> None:
    assert not compare_plans(with_secret("aaaa"), with_secret("aaaa"), "dev").has_changes
    assert not compare_plans(with_secret(None), with_secret(None), "dev").has_changes


def test_a_value_becoming_secret_with_the_same_value_is_no_update() -> None:
    value = "same-value-1234"
    base = with_secret(None, plain=value)
    head = with_secret(fingerprint(value))
    diff = compare_plans(base, head, "dev")
    assert not diff.has_changes, diff
    changed = with_secret(fingerprint("another"))
    diff = compare_plans(base, changed, "dev")
    assert [p.note for p in diff.resources[0].properties] == ["now secret"]
    for rendered in (text([diff]), as_json([diff]), markdown([diff])):
        assert value not in rendered


def test_created_resources_show_their_inputs_masked() -> None:
    head = plan(resources=[resource("dev", QUEUE, "new", {"name": "n", "token": secret()})])
    out = text([compare_plans(plan(), copy.deepcopy(head), "dev")])
    assert '+ aws:sqs/queue:Queue  new\n      + name: "n"\n      + token: "[secret]"' in out
