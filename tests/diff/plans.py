"""Small hand-made plans (docs/plan-format.md) for the diff tests."""

from __future__ import annotations

import copy
from typing import Any

from mlfleet.engine.plan import SECRET_MARKER

PROJECT = "demo"


def urn(stack: str, type_: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{type_}::{name}"


def resource(stack: str, type_: str, name: str, inputs: dict[str, Any] | None = None, **options: Any) -> dict:
    root = urn(stack, "pulumi:pulumi:Stack", f"{PROJECT}-{stack}")
    entry = {
        "urn": urn(stack, type_, name),
        "type": type_,
        "name": name,
        "custom": True,
        "parent": root,
        "provider": None,
        "protect": False,
        "retainOnDelete": False,
        "dependencies": [],
        "explicitDependencies": [],
        "propertyDependencies": {},
        "inputs": inputs or {},
        "outputs": dict(inputs or {}),
    }
    entry.update(options)
    return entry


def plan(
    stack: str = "dev",
    resources: list[dict] | None = None,
    outputs: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
) -> dict:
    root = {
        **resource(stack, "pulumi:pulumi:Stack", f"{PROJECT}-{stack}"),
        "custom": False,
        "parent": None,
    }
    return {
        "format": "mlfleet.plan",
        "version": 1,
        "project": PROJECT,
        "stack": stack,
        "config": config or {},
        "resources": [root, *(resources or [])],
        "outputs": outputs or {},
    }


def secret() -> dict:
    return dict(SECRET_MARKER)


BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
QUEUE = "aws:sqs/queue:Queue"


def base_and_head() -> tuple[dict, dict]:
    """A base plan and a head plan that differ in every way a diff reports."""
    base = plan(
        resources=[
            resource("dev", BUCKET, "data", {"bucket": "demo-dev-data", "tags": {"owner": "a"}}),
            resource(
                "dev",
                SSE,
                "data-sse",
                {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]},
            ),
            resource("dev", QUEUE, "jobs", {"messageRetentionSeconds": 3600}),
            resource("dev", QUEUE, "old", {"name": "old"}),
        ],
        outputs={"region": "us-east-1", "removedOutput": 1},
        config={"demo:replicas": 2},
    )
    head = copy.deepcopy(base)
    resources = {r["name"]: r for r in head["resources"]}
    resources["data-sse"]["inputs"]["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] = (
        "aws:kms"
    )
    resources["data"]["inputs"]["tags"]["team"] = "ml"
    resources["data"]["protect"] = True
    resources["jobs"]["inputs"]["messageRetentionSeconds"] = 7200
    head["resources"].remove(resources["old"])
    head["resources"].append(resource("dev", QUEUE, "new", {"name": "new"}))
    head["outputs"] = {"region": "eu-west-1", "addedOutput": "x"}
    head["config"] = {"demo:replicas": 3}
    return base, head
