"""Reading a Pulumi project the way the CLI does: Pulumi.yaml, its config schema, and stack files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlfleet.engine.errors import PreviewError
from mlfleet.engine.secrets import fingerprint, is_secure_placeholder, secure_placeholder

# A `secure:` config value is never decrypted here: the program sees a placeholder derived from
# the ciphertext (mlfleet/engine/secrets.py), so a rotated secret is a different value.
SECRET_PLACEHOLDER = "[secret]"
CONFIG_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
}


@dataclass(frozen=True)
class ConfigDeclaration:
    key: str  # fully qualified, e.g. "mlfleet:region"
    type: str | None
    default: Any
    has_default: bool
    secret: bool
    description: str


@dataclass(frozen=True)
class Project:
    directory: Path
    name: str
    runtime: str
    main: Path
    stack_config_dir: Path
    declarations: dict[str, ConfigDeclaration] = field(default_factory=dict)

    def stack_file(self, stack: str) -> Path:
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"

    def stacks(self) -> list[str]:
        names = [
            p.name.removeprefix("Pulumi.").removesuffix(".yaml")
            for p in self.stack_config_dir.glob("Pulumi.*.yaml")
        ]
        return sorted(names)

    def relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.directory))
        except ValueError:
            return str(path)


@dataclass(frozen=True)
class StackConfig:
    """The config a stack runs with: fully qualified key -> value, and which keys are secret."""

    values: dict[str, Any]
    secret_keys: frozenset[str]

    def masked(self) -> dict[str, Any]:
        from mlfleet.engine.plan import SECRET_MARKER

        return {
            k: (dict(SECRET_MARKER) if k in self.secret_keys else v) for k, v in sorted(self.values.items())
        }

    def fingerprints(self) -> dict[str, str]:
        """The fingerprint of every secret key's value (mlfleet/engine/secrets.py)."""
        from mlfleet.engine.plan import normalize

        return {
            k: fingerprint(normalize(self.values[k])) for k in sorted(self.secret_keys) if k in self.values
        }


def load_project(directory: Path) -> Project:
    directory = directory.resolve()
    for candidate in ("Pulumi.yaml", "Pulumi.yml"):
        path = directory / candidate
        if path.exists():
            break
    else:
        raise PreviewError(
            "-", f"no Pulumi.yaml in {directory}; pass --cwd the directory of a Pulumi project"
        )
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise PreviewError("-", f"{path} is not valid YAML: {exc}") from None
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise PreviewError("-", f"{path}: 'name' is required (the project name)")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise PreviewError(
            "-", f"{path}: runtime is {runtime_name!r}; mlfleet preview runs Python programs only"
        )
    main = directory / str(data.get("main") or "")
    if main.is_dir():
        main = main / "__main__.py"
    if not main.exists():
        raise PreviewError("-", f"{path}: the program {main} does not exist")
    config_dir = directory / str(data.get("stackConfigDir") or ".")
    declarations = _declarations(name, data.get("config") or {}, path)
    return Project(directory, name, "python", main, config_dir, declarations)


def _declarations(project: str, config: dict[str, Any], path: Path) -> dict[str, ConfigDeclaration]:
    out: dict[str, ConfigDeclaration] = {}
    for key, spec in config.items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(spec, dict) and ({"type", "default", "description", "secret", "items"} & spec.keys()):
            typ = spec.get("type")
            if typ is not None and typ not in CONFIG_TYPES:
                raise PreviewError("-", f"{path}: config '{key}' has unknown type {typ!r}")
            out[full] = ConfigDeclaration(
                full,
                typ,
                spec.get("default"),
                "default" in spec,
                bool(spec.get("secret")),
                str(spec.get("description") or ""),
            )
        elif isinstance(spec, dict) and "value" in spec:
            out[full] = ConfigDeclaration(full, None, spec["value"], True, False, "")
        else:  # a plain project-level value
            out[full] = ConfigDeclaration(full, None, spec, True, False, "")
    return out


def load_stack_config(project: Project, stack: str) -> StackConfig:
    """Merge project defaults with the stack file and check it against the project's declarations."""
    path = project.stack_file(stack)
    shown = project.relative(path)
    if not path.exists():
        known = ", ".join(project.stacks()) or "none"
        raise PreviewError(stack, f"stack file {shown} does not exist (stacks here: {known})")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise PreviewError(stack, f"{shown} is not valid YAML: {exc}") from None
    raw = data.get("config") or {}
    if not isinstance(raw, dict):
        raise PreviewError(stack, f"{shown}: 'config' must be a mapping of keys to values")
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    for key, value in raw.items():
        full = key if ":" in key else f"{project.name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full] = secure_placeholder(value["secure"])
            secrets.add(full)
        else:
            if _contains_secure(value):
                # Like the CLI: the object keeps its shape (each nested secure value decrypted, here
                # the placeholder) and the whole key becomes secret.
                secrets.add(full)
                value = _mask_secure(value)
            values[full] = value
    _check(project, stack, shown, values)
    for decl in project.declarations.values():
        if decl.key not in values and decl.has_default:
            values[decl.key] = decl.default
        if decl.secret and decl.key in values:
            secrets.add(decl.key)
    return StackConfig(values, frozenset(secrets))


def _mask_secure(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return secure_placeholder(value["secure"])
        return {k: _mask_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_secure(v) for v in value]
    return value


def _contains_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_contains_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secure(v) for v in value)
    return False


def _check(project: Project, stack: str, shown: str, values: dict[str, Any]) -> None:
    """Fidelity checks on config: unknown project keys (typos), missing required keys, wrong types."""
    namespace = f"{project.name}:"
    problems: list[str] = []
    declared = project.declarations
    if declared:
        for key in values:
            if key.startswith(namespace) and key not in declared:
                close = _closest(key, [k for k in declared if k.startswith(namespace)])
                hint = f" Did you mean '{close}'?" if close else ""
                problems.append(
                    f"{shown}: unknown config key '{key}' (not declared in Pulumi.yaml).{hint} "
                    f"Fix the key, or declare it under `config:` in Pulumi.yaml."
                )
    for decl in declared.values():
        if decl.key not in values:
            if not decl.has_default:
                example = {"integer": "<number>", "boolean": "true|false"}.get(decl.type or "", "<value>")
                secret = " --secret" if decl.secret else ""
                problems.append(
                    f"{shown}: required config key '{decl.key}' is not set"
                    + (f" ({decl.description})" if decl.description else "")
                    + f". Fix: pulumi config set{secret} {decl.key} {example} --stack {stack}"
                )
            continue
        value = values[decl.key]
        if decl.type and not is_secure_placeholder(value) and not _type_ok(decl.type, value):
            problems.append(
                f"{shown}: config key '{decl.key}' must be of type {decl.type}, got {json.dumps(value)}. "
                f"Fix: pulumi config set {decl.key} <{decl.type}> --stack {stack}"
            )
    if problems:
        raise PreviewError(stack, "\n  ".join(["invalid configuration:", *problems]))


def _type_ok(typ: str, value: Any) -> bool:
    if typ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if typ == "string":
        return isinstance(value, str)
    return isinstance(value, CONFIG_TYPES[typ])


def _closest(key: str, candidates: list[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def config_for_runtime(config: StackConfig) -> dict[str, str]:
    """The engine hands config to the program as strings; objects and lists as JSON."""
    out: dict[str, str] = {}
    for key, value in config.values.items():
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = json.dumps(value)
    return out
