"""Plan fragments and the rule battery, run through the real pack process over gRPC."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROJECT, STACK = "p", "dev"
ROOT = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
TAGS = {"environment": "dev", "owner": "ml", "cost-center": "cc-1"}
PROD_TAGS = {**TAGS, "environment": "prod"}


def res(
    type_: str,
    inputs: dict[str, Any],
    name: str = "r",
    outputs: dict[str, Any] | None = None,
    parent: str = ROOT,
    provider: str | None = None,
    deps: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    chain = "" if parent == ROOT else parent.split("::")[2] + "$"
    urn = f"urn:pulumi:{STACK}::{PROJECT}::{chain}{type_}::{name}"
    return {
        "urn": urn,
        "type": type_,
        "name": name,
        "custom": not type_.startswith("mlfleet:"),
        "parent": parent,
        "provider": provider,
        "protect": False,
        "dependencies": sorted({u for us in (deps or {}).values() for u in us}),
        "propertyDependencies": deps or {},
        "inputs": inputs,
        "outputs": {**inputs, "id": name, **(outputs or {})},
    }


def plan(*resources: dict[str, Any]) -> dict[str, Any]:
    root = res("pulumi:pulumi:Stack", {}, f"{PROJECT}-{STACK}")
    root["parent"], root["urn"], root["custom"] = None, ROOT, False
    return {
        "format": "mlfleet.plan",
        "version": 1,
        "project": PROJECT,
        "stack": STACK,
        "config": {},
        "outputs": {},
        "resources": [root, *resources],
    }


@dataclass
class Case:
    rule: str
    good: list[dict[str, Any]]
    bad: list[dict[str, Any]]
    message: str  # a fragment of the expected violation message
    config: dict[str, Any] = field(default_factory=dict)
    # more non-compliant fixtures, each with the message fragment it must draw
    variants: list[tuple[list[dict[str, Any]], str]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.rule
