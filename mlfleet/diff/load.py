"""Reading the two sides of a diff: one plan file, or a directory of plans (one per stack)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlfleet.diff.errors import DiffError
from mlfleet.engine.plan import PlanFileError, read_plan

Plans = dict[str, dict[str, Any]]  # stack name -> plan


def load_plan(path: Path) -> dict[str, Any]:
    """One plan file, checked for format and version (by the engine, which owns the format)."""
    try:
        return read_plan(path)
    except PlanFileError as exc:
        raise DiffError(str(exc)) from None


def load_plans(path: Path) -> Plans:
    """A plan file (one stack) or a directory of `*.json` plans, keyed by each plan's stack."""
    if not path.exists():
        raise DiffError(
            f"{path}: no such plan or directory; write plans with "
            f"`mlfleet preview --all --json {path}` (or `--stack NAME --json FILE`)"
        )
    if not path.is_dir():
        plan = load_plan(path)
        return {plan["stack"]: plan}
    plans: Plans = {}
    sources: dict[str, Path] = {}
    for file in sorted(path.glob("*.json")):
        plan = load_plan(file)
        stack = plan["stack"]
        if stack in plans:
            raise DiffError(f"{file}: stack '{stack}' is also in {sources[stack]}; keep one plan per stack")
        plans[stack] = plan
        sources[stack] = file
    if not plans:
        raise DiffError(
            f"{path}: no plans (*.json) in this directory; write them with "
            f"`mlfleet preview --all --json {path}`"
        )
    return plans


def load_policy(path: Path) -> list[dict[str, Any]]:
    """The stacks of a policy report written by `mlfleet policy check --format json`."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DiffError(
            f"{path}: no such policy report; write one with "
            f"`mlfleet policy check --all --format json --output {path}`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DiffError(f"{path}: cannot read the policy report ({exc})") from None
    except json.JSONDecodeError as exc:
        raise DiffError(f"{path}: not a JSON policy report ({exc.msg} at line {exc.lineno})") from None
    stacks = report.get("stacks") if isinstance(report, dict) else None
    if not isinstance(stacks, list) or not all(
        isinstance(s, dict) and isinstance(s.get("stack"), str) for s in stacks
    ):
        raise DiffError(
            f'{path}: not a policy report (expected {{"stacks": [...]}} from '
            "`mlfleet policy check --format json`)"
        )
    return stacks
