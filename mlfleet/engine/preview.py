"""`mlfleet preview`: run a stack's real program on the mock runtime and produce its plan."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlfleet.engine.errors import PreviewError
from mlfleet.engine.fidelity import check_plan
from mlfleet.engine.plan import build_plan
from mlfleet.engine.project import Project, StackConfig, config_for_runtime, load_project, load_stack_config
from mlfleet.engine.recorder import Registration
from mlfleet.engine.runtime import ProgramError, run_main, run_on_mocks


@dataclass
class StackRun:
    """One run of a stack's program on the mock runtime: what was registered and exported, with
    secret values still readable (plans redact them; the rehearsal and some tests need them)."""

    project: Project
    config: StackConfig
    registrations: list[Registration]
    outputs: dict[str, Any]


def run_stack(
    project_dir: Path,
    stack: str,
    project: Project | None = None,
    *,
    changes: Mapping[str, Any] | None = None,
    secret_keys: Iterable[str] = (),
) -> StackRun:
    """Run the stack's program; `changes` override config values as the CLI passes them after
    decrypting (non-strings JSON-encoded), `secret_keys` are marked secret. Raises PreviewError."""
    project = project or load_project(project_dir)
    config = load_stack_config(project, stack)
    values = config_for_runtime(config)
    for key, value in (changes or {}).items():
        values[key] = value if isinstance(value, str) else json.dumps(value)
    try:
        registrations, outputs = run_on_mocks(
            run_main(project.main),
            project=project.name,
            stack=stack,
            config=values,
            secret_keys=sorted({*config.secret_keys, *secret_keys}),
            directory=project.directory,
        )
    except ProgramError as exc:
        raise PreviewError(stack, describe_program_error(exc)) from None
    return StackRun(project, config, registrations, outputs)


def run_preview(project_dir: Path, stack: str, project: Project | None = None) -> dict[str, Any]:
    """The plan of one stack (docs/plan-format.md); raises PreviewError with a clean message."""
    run = run_stack(project_dir, stack, project)
    plan = build_plan(
        run.project.name,
        stack,
        run.config.masked(),
        run.registrations,
        run.outputs,
        config_fingerprints=run.config.fingerprints(),
    )
    findings = check_plan(plan)
    if findings:
        lines = "\n  ".join(f.message() for f in findings)
        raise PreviewError(stack, f"{len(findings)} input(s) the real provider would reject:\n  {lines}")
    return plan


def describe_program_error(exc: ProgramError) -> str:
    error = exc.error
    where = f" (at {exc.where})" if exc.where else ""
    # Errors made for humans (they carry a fix) are printed as they are.
    if getattr(error, "fix", None) or type(error).__name__ in {"ConfigError", "ComponentArgumentError"}:
        return f"{error}{where}"
    if isinstance(error, TypeError) and "unexpected keyword argument" in str(error):
        return f"the program passed an argument the SDK does not know: {error}{where}"
    return f"the program raised {type(error).__name__}: {error}{where}"
