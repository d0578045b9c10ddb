"""`mlfleet preview`: run a stack's real program on the mock runtime and produce its plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlfleet.engine.errors import PreviewError
from mlfleet.engine.fidelity import check_plan
from mlfleet.engine.plan import build_plan
from mlfleet.engine.project import Project, config_for_runtime, load_project, load_stack_config
from mlfleet.engine.runtime import ProgramError, run_main, run_on_mocks


def run_preview(project_dir: Path, stack: str, project: Project | None = None) -> dict[str, Any]:
    """The plan of one stack (docs/plan-format.md); raises PreviewError with a clean message."""
    project = project or load_project(project_dir)
    config = load_stack_config(project, stack)
    try:
        registrations, outputs = run_on_mocks(
            run_main(project.main),
            project=project.name,
            stack=stack,
            config=config_for_runtime(config),
            secret_keys=sorted(config.secret_keys),
            directory=project.directory,
        )
    except ProgramError as exc:
        raise PreviewError(stack, describe_program_error(exc)) from None
    plan = build_plan(project.name, stack, config.masked(), registrations, outputs)
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
