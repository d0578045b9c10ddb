"""Which input changes make a provider replace a resource, from data generated out of the providers'
own sources (scripts/gen_replacements.py writes mlfleet/diff/data/replacements.json).

Paths are camelCase Pulumi wire names joined by dots, list levels not indexed (`vpcConfig.subnetIds`).
Changed paths come in compare.py's format (`a.b[0].c`, `a["x-y"]`, `doc{json}.Statement[0]`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

DATA_FILE = "replacements.json"
# compare.py's path syntax: `.name`, `[0]`, `["quoted key"]`, `{json}` (a JSON document inside a string).
_SEGMENT = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|(\{json\})')


@cache
def _data() -> dict[str, Any]:
    text = resources.files("mlfleet.diff").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _known_types() -> frozenset[str]:
    return frozenset(t for tokens in _data()["covered"].values() for t in tokens)


def replace_paths(resource_type: str) -> frozenset[str] | None:
    """Force-new property paths of a type ("a.b.c", camelCase Pulumi wire names, list levels not
    indexed); None when the type is not in the data."""
    paths = _data()["types"].get(resource_type)
    if paths is not None:
        return frozenset(paths)
    return frozenset() if resource_type in _known_types() else None


def split_path(path: str) -> tuple[str, ...]:
    """compare.py's path as property names: list indices dropped, quoted map keys unquoted, and
    everything inside a JSON document (`{json}`) cut off (a change inside is a change of the string)."""
    parts: list[str] = []
    pos = 0
    while pos < len(path):
        match = _SEGMENT.match(path, pos)
        if match is None:
            raise ValueError(f"not a diff property path: {path!r} (at character {pos})")
        name, _index, quoted, json_doc = match.groups()
        if json_doc:
            break
        if name is not None:
            parts.append(name)
        elif quoted is not None:
            parts.append(json.loads(quoted))
        pos = match.end()
    return tuple(parts)


def replace_reasons(resource_type: str, changed_paths: Iterable[str]) -> list[str]:
    """The force-new paths (sorted) that the changed property paths hit.

    A change at or below a force-new path hits it (`vpcConfig.subnetIds[1]` hits
    `vpcConfig.subnetIds`). A change above one (a whole block or list item added or removed, e.g.
    `vpcConfig` or `ebsBlockDevices[2]`) hits every force-new path below it: the provider diffs the
    block's attributes one by one, and an added or removed block changes each force-new attribute it
    sets from or to nothing (Terraform's schema.Resource diff: an attribute going "" -> value with
    ForceNew is RequiresNew). The plan does not say which attributes the block set, so this errs on
    the side of showing a replacement.
    """
    force_new = replace_paths(resource_type)
    if not force_new:
        return []
    targets = {path: tuple(path.split(".")) for path in force_new}
    hits: set[str] = set()
    for changed in changed_paths:
        parts = split_path(changed)
        for path, target in targets.items():
            n = min(len(parts), len(target))
            if parts[:n] == target[:n]:
                hits.add(path)
    return sorted(hits)


def provider_versions() -> dict[str, str]:
    """Python package name (as in uv.lock) -> the version the data was generated for."""
    return {name: info["version"] for name, info in _data()["providers"].items()}
