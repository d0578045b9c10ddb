"""Helpers to read resources of a plan in block tests."""

from __future__ import annotations

import json
from typing import Any

from mlfleet.engine.harness import Plan

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
    """The stack's bucket/cluster encryption key of type `token` (the registry signing key is beside it)."""
    keys = [r for r in plan.of_type(token) if not r["name"].endswith("-signing")]
    assert len(keys) == 1, [r["name"] for r in keys]
    return keys[0]
