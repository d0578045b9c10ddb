"""Small readers over (proxied) property maps: nested lookups, lists, tags and environments.

Properties arrive as pulumi_policy proxies (Mapping / Sequence, not dict / list), so every helper
checks against the abstract types.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

PRODUCTION = frozenset({"prod", "production"})


def get(props: Any, path: str, default: Any = None) -> Any:
    """`get(props, "vpcConfig.endpointPublicAccess")`; `default` when any step is missing."""
    current = props
    for key in path.split("."):
        if not isinstance(current, Mapping) or key not in current:
            return default
        current = current[key]
    return default if current is None else current


def items(value: Any) -> list[Any]:
    """A property that is a list (or missing) as a list; a single object becomes a 1-list."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return [value]


def strings(value: Any) -> list[str]:
    return [str(v) for v in items(value)]


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def merged_tags(*maps: Any) -> dict[str, str]:
    """Later maps win, like a resource's tags over its provider's default tags."""
    out: dict[str, str] = {}
    for m in maps:
        for key, val in mapping(m).items():
            out[str(key)] = str(val)
    return out


def environment_of(tags: Mapping[str, str], config: Mapping[str, Any]) -> str:
    """The environment a resource belongs to: the rule's `environment` config wins, then its tag."""
    return str(config.get("environment") or tags.get("environment") or "").lower()


def is_production(tags: Mapping[str, str], config: Mapping[str, Any]) -> bool:
    return environment_of(tags, config) in PRODUCTION


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted path, leaf) in a nested property value."""
    if isinstance(value, Mapping):
        for key, val in value.items():
            yield from walk(val, f"{path}.{key}" if path else str(key))
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for i, val in enumerate(value):
            yield from walk(val, f"{path}[{i}]")
    else:
        yield path, value
