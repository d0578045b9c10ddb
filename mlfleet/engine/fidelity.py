"""Catching what the mock runtime lets through but the real provider rejects.

A misspelled key in a plain dict literal is passed to the engine untranslated (the SDK only
translates properties of its typed `*Args` classes), and the provider then fails. Here each
resource's captured inputs are walked alongside the SDK's own input types: wherever the type is a
typed input, every key must be one of its wire names. Keys of user maps (tags, labels, ConfigMap
data: `Mapping[str, ...]`) are never checked, and untyped values (`Any`, JSON) are skipped.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi import _types as pulumi_types

_SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


@dataclass(frozen=True)
class Finding:
    urn: str
    type: str
    name: str
    path: str
    key: str
    suggestion: str | None

    def message(self) -> str:
        fix = f"write '{self.suggestion}'" if self.suggestion else "use the wire (camelCase) name"
        return (
            f"resource '{self.name}' ({self.type}) input '{self.path}': "
            f"key '{self.key}' in a dict literal is "
            f"passed to the provider untranslated and will be rejected; {fix}, or use the SDK's typed "
            f"*Args class"
        )


@functools.cache
def _resource_modules(package: str) -> dict[str, tuple[str, str]]:
    """type token -> (python module, class name), from the provider package's own registration."""
    try:
        module = importlib.import_module(package)
    except ImportError:
        return {}
    source = Path(module.__file__ or "").read_text()
    match = re.search(r'resource_modules="""(.*?)"""', source, re.S)
    if not match:
        return {}
    table: dict[str, tuple[str, str]] = {}
    for entry in json.loads(match.group(1)):
        for token, cls in entry["classes"].items():
            table[token] = (entry["fqn"], cls)
    return table


@functools.cache
def resource_input_types(token: str) -> dict[str, Any] | None:
    """Wire name -> annotated type for a resource's inputs, or None if the SDK is not known."""
    package = "pulumi_" + token.split(":", 1)[0].replace("-", "_")
    entry = _resource_modules(package).get(token)
    if entry is None:
        return None
    module = importlib.import_module(entry[0])
    args_cls = getattr(module, f"{entry[1]}InitArgs", None) or getattr(module, f"{entry[1]}Args", None)
    if args_cls is None or not pulumi_types.is_input_type(args_cls):
        return None
    return _input_types(args_cls)


@functools.cache
def _input_types(cls: type) -> dict[str, Any]:
    try:
        return dict(pulumi_types.input_type_types(cls))
    except Exception:  # noqa: BLE001 - an unresolvable annotation means "don't check"
        return {}


def _unwrap(tp: Any) -> list[Any]:
    """Every concrete alternative of an annotation (Optional, Input = Union[T, Awaitable, Output])."""
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_unwrap(arg))
        return out
    if origin is not None and isinstance(origin, type) and issubclass(origin, pulumi.Output):
        return _unwrap(typing.get_args(tp)[0]) if typing.get_args(tp) else []
    if origin is not None and origin.__name__ == "Awaitable":
        return []
    if tp is type(None):
        return []
    return [tp]


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def check_value(value: Any, tp: Any, path: str, found: list[tuple[str, str, str | None]]) -> None:
    alternatives = _unwrap(tp)
    if isinstance(value, dict):
        for alt in alternatives:
            if isinstance(alt, type) and pulumi_types.is_input_type(alt):
                fields = _input_types(alt)
                if not fields:
                    return
                for key, sub in value.items():
                    if key in fields:
                        check_value(sub, fields[key], f"{path}.{key}", found)
                    elif _SNAKE.match(key):
                        camel = _camel(key)
                        found.append((f"{path}.{key}", key, camel if camel in fields else None))
                return
        for alt in alternatives:
            if typing.get_origin(alt) in (dict, Mapping, typing.Mapping) or alt in (dict, Mapping):
                args = typing.get_args(alt)
                if len(args) == 2:  # a user map: never check its keys, only its values
                    for key, sub in value.items():
                        check_value(sub, args[1], f"{path}.{key}", found)
                return
    elif isinstance(value, list):
        for alt in alternatives:
            if typing.get_origin(alt) in (list, Sequence, typing.Sequence) and typing.get_args(alt):
                for i, item in enumerate(value):
                    check_value(item, typing.get_args(alt)[0], f"{path}[{i}]", found)
                return


def check_resource(resource: dict[str, Any]) -> list[Finding]:
    types = resource_input_types(resource["type"]) if resource["custom"] else None
    if not types:
        return []
    raw: list[tuple[str, str, str | None]] = []
    for key, value in resource["inputs"].items():
        if key in types:
            check_value(value, types[key], key, raw)
    return [
        Finding(resource["urn"], resource["type"], resource["name"], path, key, suggestion)
        for path, key, suggestion in raw
    ]


def check_plan(plan: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    for resource in plan["resources"]:
        findings.extend(check_resource(resource))
    return findings
