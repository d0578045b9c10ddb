"""Reading AWS IAM policy documents (JSON strings or objects) the same way for every IAM rule."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from mlfleet_policies.props import get, items, strings


def statements(document: Any) -> list[Mapping[str, Any]]:
    """The statements of a policy document; an unparsable document yields none."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return []
    return [s for s in items(get(document, "Statement")) if isinstance(s, Mapping)]


def allows(document: Any) -> Iterator[Mapping[str, Any]]:
    for statement in statements(document):
        if statement.get("Effect", "Allow") == "Allow":
            yield statement


def actions(statement: Mapping[str, Any]) -> list[str]:
    return strings(statement.get("Action"))


def resources(statement: Mapping[str, Any]) -> list[str]:
    return strings(statement.get("Resource"))


def principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if isinstance(principal, str):
        return [principal]
    return [p for values in (principal or {}).values() for p in strings(values)]
