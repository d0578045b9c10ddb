"""Small readers over (proxied) property maps: nested lookups, lists, tags and environments.

Properties arrive as pulumi_policy proxies (Mapping / Sequence, not dict / list), so every helper
checks against the abstract types.
"""

from __future__ import annotations

import json
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


def provider_setting(provider_props: Any, path: str, default: Any = None) -> Any:
    """`provider_setting(r.provider_props, "defaultTags.tags")`. A provider's object-typed inputs arrive
    as JSON text (an explicit provider's `defaultTags`/`defaultLabels`, and every default provider's
    config as the engine passes it): the first step is parsed when it is JSON text."""
    head, _, rest = path.partition(".")
    value = get(provider_props, head)
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            value = json.loads(value)
        except ValueError:
            return default
    return get(value, rest, default) if rest else (default if value is None else value)


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
