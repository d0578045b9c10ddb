"""Helpers to read resources of a plan in block tests."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import yaml

from mlfleet.engine.harness import Plan
from mlfleet.engine.preview import run_preview
from mlfleet.engine.project import load_project

REPO = Path(__file__).resolve().parents[3]
# A receiver the budgets notify too (https), and an in-cluster one they cannot reach (http).
WEBHOOK = "https://hooks.example.com/budget"

TAG_KEYS = {"environment", "owner", "cost-center", "managed-by"}


def policy(resource: dict[str, Any], key: str = "policy") -> dict[str, Any]:
    """A resource's JSON policy input, parsed."""
    return json.loads(resource["inputs"][key])


def statements(resource: dict[str, Any], key: str = "policy") -> list[dict[str, Any]]:
    return policy(resource, key)["Statement"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def typed(plan: Any, token: str, name: str) -> dict[str, Any]:
    """The one resource of type `token` named `name` (names repeat across a bucket's sub-resources)."""
    found = [r for r in plan.of_type(token) if r["name"] == name]
    assert len(found) == 1, f"expected one {token} named {name}, found {len(found)}"
    return found[0]


BLOCKS = ("EncryptionKey", "ModelBucket", "ContainerRegistry", "Identities", "SigningKey")


def storage_layer(plan: Plan) -> Plan:
    """Only the resources of the storage and identity blocks (other areas add to the same stacks)."""
    tokens = tuple(f"mlfleet:{cloud}:{block}" for cloud in ("aws", "gcp", "azure") for block in BLOCKS)
    kept = [r for r in plan.resources if any(f"{t}$" in r["urn"] or f"{t}::" in r["urn"] for t in tokens)]
    return Plan({**plan.data, "resources": kept})


def encryption_key(plan: Plan, token: str) -> dict[str, Any]:
    """The stack's bucket/cluster encryption key of type `token`: the one the EncryptionKey block
    creates (the registry signing key and the notification topics' keys are beside it)."""
    keys = [r for r in plan.of_type(token) if ":EncryptionKey$" in r["urn"]]
    assert len(keys) == 1, [r["name"] for r in keys]
    return keys[0]


def stack_config(stack: str) -> dict[str, Any]:
    return yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]


def preview_with(tmp_path: Path, stack: str, changes: dict[str, Any]) -> Plan:
    """The stack's plan with config keys replaced (None removes a key): the same stack name (names
    and hostnames derive from it), the stack file written to tmp_path."""
    config = {k: v for k, v in {**stack_config(stack), **changes}.items() if v is not None}
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    project = dataclasses.replace(load_project(REPO), stack_config_dir=tmp_path)
    return Plan(run_preview(REPO, stack, project))


def with_webhooks(tmp_path: Path, stack: str) -> Plan:
    """The stack with two more alert receivers: an https webhook and an in-cluster http one."""
    monitoring = stack_config(stack)["mlfleet:monitoring"]
    receivers = {
        **monitoring["receivers"],
        "hook": {"webhook": {"url": WEBHOOK}},
        "bridge": {"webhook": {"url": "http://alert-bridge.monitoring.svc:8080/"}},
    }
    return preview_with(tmp_path, stack, {"mlfleet:monitoring": {**monitoring, "receivers": receivers}})


def serving_ingress(plan: Any) -> dict[str, Any]:
    """The serving Ingress (REST); where the cloud's ingress carries gRPC, a second Ingress
    (`-grpc-ingress`) routes the gRPC paths to the same backend."""
    ingresses = plan.of_type("kubernetes:networking.k8s.io/v1:Ingress")
    rest = [i for i in ingresses if not i["name"].endswith("-grpc-ingress")]
    assert len(rest) == 1, [i["name"] for i in ingresses]
    return rest[0]
