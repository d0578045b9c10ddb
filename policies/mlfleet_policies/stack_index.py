"""Lookups over a stack's resources (outputs) for stack rules: by type, by reference, by parent chain."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pulumi_policy import PolicyResource

from mlfleet_policies.props import get, merged_tags


class StackIndex:
    def __init__(self, resources: Iterable[PolicyResource]) -> None:
        self.resources = list(resources)
        self.by_urn = {r.urn: r for r in self.resources}

    def of_type(self, *types: str) -> list[PolicyResource]:
        return [r for r in self.resources if r.resource_type in types]

    def ancestors(self, resource: PolicyResource) -> Iterator[PolicyResource]:
        current = resource.parent
        while current is not None:
            yield current
            current = current.parent

    def has_ancestor_type(self, resource: PolicyResource, suffix: str) -> bool:
        """True when a parent component's type ends with `suffix`, e.g. ':ModelBucket'."""
        return any(a.resource_type.endswith(suffix) for a in self.ancestors(resource))

    def refers_to(self, resource: PolicyResource, prop: str, target: PolicyResource) -> bool:
        """Whether `resource.prop` names `target` (by id, name, ARN or a dependency on it)."""
        value = get(resource.props, prop)
        keys = {str(get(target.props, k)) for k in ("id", "bucket", "name", "arn") if get(target.props, k)}
        if value is not None and str(value) in keys:
            return True
        return any(dep.urn == target.urn for dep in resource.property_dependencies.get(prop, []))

    def environment(self) -> str:
        """The stack's environment: the most common `environment` tag/label among its resources."""
        counts: dict[str, int] = {}
        for r in self.resources:
            tags: dict[str, Any] = merged_tags(get(r.props, "labels"), get(r.props, "tags"))
            tags.update(merged_tags(get(r.props, "metadata.labels")))
            env = tags.get("environment")
            if env:
                counts[env.lower()] = counts.get(env.lower(), 0) + 1
        return max(counts, key=lambda k: counts[k]) if counts else ""
