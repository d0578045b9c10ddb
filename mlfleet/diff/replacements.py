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
_BARE = re.compile(r"\.?([^.\[{]+)")
_SEGMENT = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)(?=[.\[{]|$)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|(\{json\})')


@cache
def _data() -> dict[str, Any]:
    text = resources.files("mlfleet.diff").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _without_paths() -> frozenset[str]:
    return frozenset(t for tokens in _data()["noReplacePaths"].values() for t in tokens)


_KUBERNETES_KIND = re.compile(r"^kubernetes:[^:/]+/[^:/]+:[A-Za-z0-9]+$")


def replace_paths(resource_type: str) -> frozenset[str] | None:
    """Force-new property paths of a type ("a.b.c", camelCase Pulumi wire names, list levels not
    indexed); None when the type is not in the data."""
    data = _data()
    if _KUBERNETES_KIND.match(resource_type):
        # pulumi-kubernetes decides per group/version/kind; any other kind (CRDs included) replaces
        # on metadata.name/namespace only.
        kubernetes = data["kubernetes"]
        return frozenset(kubernetes["kinds"].get(resource_type, kubernetes["everyKind"]))
    paths = data["types"].get(resource_type)
    if paths is not None:
        return frozenset(paths)
    return frozenset() if resource_type in _without_paths() else None


def _change_above_replaces(resource_type: str) -> bool:
    data = _data()
    package = data["packages"].get(resource_type.split(":", 1)[0])
    return bool(package and data["providers"][package]["changeAboveReplaces"])


def split_path(path: str) -> tuple[str, ...]:
    """compare.py's path as property names: list indices dropped, quoted map keys unquoted, and
    everything inside a JSON document (`{json}`) cut off (a change inside is a change of the string).
    A bare name that is no identifier (compare.py writes a top-level key as it is) is one name."""
    parts: list[str] = []
    pos = 0
    while pos < len(path):
        match = _SEGMENT.match(path, pos)
        if match is None:
            bare = _BARE.match(path, pos)
            if bare is None:  # a stray separator: skip it
                pos += 1
                continue
            parts.append(bare.group(1))
            pos = bare.end()
            continue
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
    `remoteAccess` or `ebsBlockDevices[2]`) is decided the way the type's provider does it:
    - bridged Terraform providers (aws, gcp, random, tls): it hits every force-new path below it. The
      provider diffs the block attribute by attribute, and an added or removed block changes each
      force-new attribute it sets from or to nothing ("" -> value on a ForceNew attribute is
      RequiresNew). The plan does not say which attributes the block set, so this errs on the side of
      a replacement.
    - pulumi-kubernetes: the same (the JSON patch replacing `spec` contains `spec.selector`).
    - azure-native: it does not: the provider marks an added or removed key as a replacement only
      when that key itself is force-new (provider/pkg/provider/diff.go, calculateObjectDiff).
    """
    force_new = replace_paths(resource_type)
    if not force_new:
        return []
    above = _change_above_replaces(resource_type)
    targets = {path: tuple(path.split(".")) for path in force_new}
    hits: set[str] = set()
    for changed in changed_paths:
        parts = split_path(changed)
        for path, target in targets.items():
            if parts[: len(target)] == target or (above and target[: len(parts)] == parts):
                hits.add(path)
    return sorted(hits)


def provider_versions() -> dict[str, str]:
    """Python package name (as in uv.lock) -> the version the data was generated for."""
    return {name: info["version"] for name, info in _data()["providers"].items()}
