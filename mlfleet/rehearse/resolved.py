"""A stack's plan with its secrets resolved, as Pulumi would hand them to the providers.

`mlfleet preview` writes plans with every secret replaced by a marker; to run the workloads, the
rehearsal needs the values: `secure:` config values and generated secrets (RandomPassword) as the
program computes them on the mock runtime. They stay in memory and in the rehearsal's private work
directory (mode 0700), and are never printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlfleet.engine.plan import build_plan
from mlfleet.engine.preview import run_stack
from mlfleet.engine.recorder import SECRET_SIG, SECRET_VALUE


@dataclass
class ResolvedStack:
    stack: str
    plan: dict[str, Any]  # the redacted plan, exactly what `mlfleet preview --json` writes
    resources: list[dict[str, Any]]  # type, name, urn, inputs, outputs with secrets resolved
    outputs: dict[str, Any]  # stack outputs with secrets resolved
    config: dict[str, Any]  # the stack's mlfleet config (secrets masked)


def reveal(value: Any) -> Any:
    """Wire values -> plain values: secret envelopes give their value; integral floats become ints."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_VALUE:
            return reveal(value.get("value"))
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def resolve_stack(project_dir: Path, stack: str) -> ResolvedStack:
    run = run_stack(project_dir, stack)
    plan = build_plan(run.project.name, stack, run.config.masked(), run.registrations, run.outputs)
    resources = [
        {
            "type": reg.type,
            "name": reg.name,
            "urn": reg.urn,
            "inputs": reveal(reg.inputs),
            "outputs": reveal(reg.outputs),
        }
        for reg in run.registrations
    ]
    return ResolvedStack(stack, plan, resources, reveal(run.outputs), plan.get("config", {}))
