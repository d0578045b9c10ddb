"""Turning recorded registrations into the plan (docs/plan-format.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlfleet.engine.recorder import SECRET_SIG, SECRET_VALUE, Registration
from mlfleet.engine.secrets import fingerprint, join_path

PLAN_FORMAT = "mlfleet.plan"
PLAN_VERSION = 1
SECRET_MARKER: dict[str, Any] = {SECRET_SIG: SECRET_VALUE, "redacted": True}
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def is_secret_marker(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE


def normalize(value: Any) -> Any:
    """Wire values -> plan values: secrets become the marker (never their value), integral floats
    become integers (protobuf Struct carries every number as a double)."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_VALUE:
            return dict(SECRET_MARKER)
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def secret_fingerprints(value: Any, path: str = "") -> dict[str, str]:
    """Property path (mlfleet diff's format) -> fingerprint of every secret in a wire value: what
    lets a diff say "secret changed" without a value (mlfleet/engine/secrets.py)."""
    out: dict[str, str] = {}
    if isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE:
        if "value" in value:
            out[path] = fingerprint(normalize(value["value"]))
    elif isinstance(value, dict):
        for key, item in value.items():
            out.update(secret_fingerprints(item, join_path(path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.update(secret_fingerprints(item, join_path(path, index)))
    return out


def resource_entry(reg: Registration) -> dict[str, Any]:
    explained = {urn for urns in reg.property_dependencies.values() for urn in urns}
    # `aliases` only where a resource has some (the plans of resources without stay as they were).
    moved = {"aliases": reg.aliases} if reg.aliases else {}
    # The same for the diff-relevant options: present only where set.
    options: dict[str, Any] = {
        key: value
        for key, value in (
            ("replaceOnChanges", reg.replace_on_changes),
            ("ignoreChanges", reg.ignore_changes),
            ("deleteBeforeReplace", reg.delete_before_replace),
            ("secretFingerprints", secret_fingerprints(reg.inputs)),
        )
        if value
    }
    return (
        moved
        | options
        | {
            "urn": reg.urn,
            "type": reg.type,
            "name": reg.name,
            "custom": reg.custom,
            "parent": reg.parent or None,
            "provider": reg.provider or None,
            "protect": reg.protect,
            "retainOnDelete": reg.retain_on_delete,
            "dependencies": reg.dependencies,
            "explicitDependencies": sorted(set(reg.dependencies) - explained),
            "propertyDependencies": {k: v for k, v in sorted(reg.property_dependencies.items()) if v},
            "inputs": normalize(reg.inputs),
            "outputs": normalize({k: v for k, v in reg.outputs.items() if k not in ("urn",)}),
        }
    )


def default_providers(
    project: str, stack: str, config: dict[str, Any], registrations: list[Registration]
) -> dict[str, Any]:
    """The default provider of every package a custom resource uses without an explicit provider, as
    the real engine registers it: `urn:...::pulumi:providers:<pkg>::default_<version>`, its inputs the
    stack's `<pkg>:*` config as the engine passes it (strings; objects and lists as JSON text) plus
    `version`."""
    packages: dict[str, str] = {}
    for reg in sorted(registrations, key=lambda r: r.order):
        package = reg.type.split(":", 1)[0]
        if (
            reg.custom
            and not reg.provider
            and package not in ("pulumi", "mlfleet")
            and reg.type.count(":") == 2
        ):
            packages.setdefault(package, reg.version)
    out: dict[str, Any] = {}
    for package, version in sorted(packages.items()):
        name = "default_" + version.replace(".", "_") if version else "default"
        inputs = {
            key.split(":", 1)[1]: _provider_config_value(value)
            for key, value in sorted(config.items())
            if key.startswith(f"{package}:")
        }
        if version:
            inputs["version"] = version
        out[package] = {
            "urn": f"urn:pulumi:{stack}::{project}::pulumi:providers:{package}::{name}",
            "inputs": inputs,
        }
    return out


def _provider_config_value(value: Any) -> Any:
    if isinstance(value, str) or is_secret_marker(value):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return (
        json.dumps(value, sort_keys=True, separators=(",", ":"))
        if isinstance(value, dict | list)
        else str(value)
    )


def build_plan(
    project: str,
    stack: str,
    config: dict[str, Any],
    registrations: list[Registration],
    outputs: dict[str, Any],
    config_fingerprints: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The plan; `config_fingerprints` are the fingerprints of the secret config values (keyed by
    config key), recorded with the outputs' under the top-level `secretFingerprints`."""
    ordered = sorted(registrations, key=lambda r: r.order)
    # Registrations arrive from executor threads in a racy order: walk the parent tree depth-first
    # with siblings sorted by URN, so two runs give byte-identical plans.
    resources = [resource_entry(r) for r in _stable_order(ordered)]
    fingerprints = {
        part: found
        for part, found in (("config", config_fingerprints or {}), ("outputs", secret_fingerprints(outputs)))
        if found
    }
    return ({"secretFingerprints": fingerprints} if fingerprints else {}) | {
        "format": PLAN_FORMAT,
        "version": PLAN_VERSION,
        "project": project,
        "stack": stack,
        "config": normalize(config),
        "defaultProviders": default_providers(project, stack, normalize(config), registrations),
        "resources": resources,
        "outputs": normalize(outputs),
    }


def _stable_order(registrations: list[Registration]) -> list[Registration]:
    children: dict[str, list[Registration]] = {}
    roots: list[Registration] = []
    urns = {r.urn for r in registrations}
    for reg in registrations:
        if reg.parent and reg.parent in urns:
            children.setdefault(reg.parent, []).append(reg)
        else:
            roots.append(reg)
    out: list[Registration] = []

    def visit(reg: Registration) -> None:
        out.append(reg)
        for child in sorted(children.get(reg.urn, []), key=lambda r: (r.type.startswith("mlfleet:"), r.urn)):
            visit(child)

    for root in sorted(roots, key=lambda r: (r.type != "pulumi:pulumi:Stack", r.urn)):
        visit(root)
    return out


def dumps(plan: dict[str, Any]) -> str:
    """Byte-stable JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(plan, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


class PlanFileError(ValueError):
    """A plan file cannot be used; the message names the file and how to write a good one."""


def read_plan(path: Path) -> dict[str, Any]:
    """Read a plan file written by `mlfleet preview --json`, checked for format and version."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanFileError(
            f"{path}: no such plan; write one with `mlfleet preview --stack NAME --json {path}`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"{path}: cannot read the plan ({exc})") from None
    try:
        plan = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{path}: not a JSON plan ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(plan, dict) or plan.get("format") != PLAN_FORMAT:
        raise PlanFileError(
            f'{path}: not an mlfleet plan (expected "format": "{PLAN_FORMAT}", docs/plan-format.md)'
        )
    version = plan.get("version")
    if version != PLAN_VERSION:
        raise PlanFileError(
            f"{path}: plan format version {version!r}, but this mlfleet reads version {PLAN_VERSION}; "
            "write both plans with the same mlfleet (`mlfleet preview --json`)"
        )
    for key, kind in (("stack", str), ("resources", list), ("outputs", dict), ("config", dict)):
        if not isinstance(plan.get(key), kind):
            raise PlanFileError(
                f"{path}: plan key '{key}' is missing or not a {kind.__name__} (docs/plan-format.md)"
            )
    for index, resource in enumerate(plan["resources"]):
        if not isinstance(resource, dict) or not isinstance(resource.get("urn"), str):
            raise PlanFileError(f"{path}: resources[{index}] has no 'urn' (docs/plan-format.md)")
    return plan
