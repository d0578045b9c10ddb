"""Plans record the resource options a diff acts on, and secret fingerprints, never values."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from mlfleet.engine.harness import run_program
from mlfleet.engine.secrets import fingerprint


def program() -> None:
    aws.sqs.Queue(
        "q",
        tags={"a": "1"},
        delay_seconds=0,
        opts=pulumi.ResourceOptions(
            replace_on_changes=["tags"],
            ignore_changes=["delay_seconds", "tags.a"],
            delete_before_replace=True,
        ),
    )
    aws.sqs.Queue("plain", name="plain")
    aws.sqs.Queue("secret", name=pulumi.Output.secret("hidden-value-42"))


def test_options_and_fingerprints_are_recorded() -> None:
    plan = run_program(program, check=False)
    q = plan.named("q")
    assert q["replaceOnChanges"] == ["tags"]
    assert q["ignoreChanges"] == ["delaySeconds", "tags.a"]  # top-level names as wire names
    assert q["deleteBeforeReplace"] is True
    plain = plan.named("plain")
    assert not {"replaceOnChanges", "ignoreChanges", "deleteBeforeReplace", "secretFingerprints"} & set(plain)
    secret = plan.named("secret")
    assert secret["secretFingerprints"] == {"name": fingerprint("hidden-value-42")}
    assert "hidden-value-42" not in json.dumps(plan.data)
