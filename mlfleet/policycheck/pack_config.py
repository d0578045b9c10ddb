"""Per-stack pack config in the real CLI's `--policy-pack-config` format, resolved like the CLI does.

    {"all": "advisory", "aws-s3-versioning": "mandatory",
     "k8s-serving-replicas-in-prod": {"enforcementLevel": "mandatory", "environment": "prod"}}

A policy's level: its own entry, else "all", else the pack's default for it (GetAnalyzerInfo).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeAlias

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from mlfleet.policycheck.errors import PolicyCheckError

Level: TypeAlias = analyzer_pb2.EnforcementLevel.ValueType
LEVELS: dict[str, Level] = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "disabled": analyzer_pb2.DISABLED,
    "remediate": analyzer_pb2.REMEDIATE,
}


def load_config(path: Path | None) -> dict[str, Any]:
    """The config file's object, `{}` for no file; a clear error for bad JSON."""
    if path is None or not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PolicyCheckError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); fix the file"
        ) from None
    if not isinstance(data, dict):
        raise PolicyCheckError(f"{path}: expected a JSON object of policy name -> level or settings")
    return data


def _level(value: Any, where: str) -> Level:
    if not isinstance(value, str) or value.lower() not in LEVELS:
        raise PolicyCheckError(f"{where}: enforcement level {value!r} is not one of {', '.join(LEVELS)}")
    return LEVELS[value.lower()]


def configure_request(
    info: analyzer_pb2.AnalyzerInfo, config: Mapping[str, Any], source: str
) -> analyzer_pb2.ConfigureAnalyzerRequest:
    """The Configure call for every policy in the pack, with levels and properties resolved."""
    known = {p.name: p for p in info.policies}
    unknown = sorted(set(config) - set(known) - {"all"})
    if unknown:
        raise PolicyCheckError(
            f"{source}: unknown policy name(s) {', '.join(unknown)}; "
            f"see the rules table in policies/README.md for the rule ids"
        )
    all_level: Level | None = None
    if "all" in config:
        entry = config["all"]
        raw = entry.get("enforcementLevel") if isinstance(entry, dict) else entry
        all_level = _level(raw, f'{source}: "all"')
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, policy in known.items():
        level: Level = all_level if all_level is not None else policy.enforcementLevel
        props: dict[str, Any] = {}
        entry = config.get(name)
        if isinstance(entry, dict):
            if "enforcementLevel" in entry:
                level = _level(entry["enforcementLevel"], f'{source}: "{name}"')
            props = {k: v for k, v in entry.items() if k != "enforcementLevel"}
        elif entry is not None:
            level = _level(entry, f'{source}: "{name}"')
        struct = struct_pb2.Struct()
        struct.update(props)
        request.policyConfig[name].CopyFrom(
            analyzer_pb2.PolicyConfig(enforcementLevel=level, properties=struct)
        )
    return request
