"""Offline policy checks: run the CrossGuard pack over plans through the analyzer gRPC protocol.

from mlfleet.policycheck import check_plans, summary
results = check_plans({"dev": plan_dict}, project_dir=Path("."))
summary({"dev": plan_dict, "prod": plan_dict2})   # prints one line per stack (make demo)
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from mlfleet.policycheck.errors import PolicyCheckError
from mlfleet.policycheck.results import StackResult, Violation

__all__ = ["PolicyCheckError", "StackResult", "Violation", "check_plans", "default_pack_dir", "summary"]


def default_pack_dir(project_dir: Path | None = None) -> Path:
    """`<project>/policies` when it holds a pack, else the pack this package was installed with."""
    if project_dir is not None and (project_dir / "policies" / "PulumiPolicy.yaml").exists():
        return project_dir / "policies"
    import mlfleet_policies

    return Path(mlfleet_policies.__file__).resolve().parent.parent


def check_plans(
    plans: Mapping[str, Mapping[str, Any]],
    *,
    pack_dir: Path | None = None,
    config_dir: Path | None = None,
    sources: Mapping[str, str] | None = None,
) -> list[StackResult]:
    """Check each stack's plan with one pack process; per-stack config from `<config_dir>/<stack>.json`."""
    from mlfleet.policycheck.analyzer import PolicyPackProcess
    from mlfleet.policycheck.pack_config import load_config

    pack = pack_dir or default_pack_dir()
    configs = config_dir or pack / "config"
    if not plans:
        return []
    first = next(iter(plans.values()))
    results = []
    with PolicyPackProcess(
        pack, str(first.get("project", "project")), next(iter(plans)), first.get("config")
    ) as proc:
        for stack, plan in plans.items():
            path = configs / f"{stack}.json"
            result = proc.check(plan, load_config(path), str(path))
            result.stack = stack
            result.source = (sources or {}).get(stack, f"stacks/Pulumi.{stack}.yaml")
            results.append(result)
    return results


def summary(
    plans: Mapping[str, Mapping[str, Any]], *, pack_dir: Path | None = None, out: TextIO = sys.stdout
) -> bool:
    """Print one policy line per stack (used by `make demo`); True when no mandatory violation."""
    from mlfleet.policycheck.render import summary_line

    results = check_plans(plans, pack_dir=pack_dir)
    for result in results:
        print(summary_line(result), file=out)
        for v in result.mandatory:
            print(f"     {v.rule}: {v.urn} {v.message}", file=out)
    return not any(r.mandatory for r in results)
