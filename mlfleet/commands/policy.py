"""`mlfleet policy check`: run the CrossGuard pack over stack plans offline, via the analyzer protocol."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

FORMATS = ("text", "json", "sarif")
CWD = Path(".")


def register(app: typer.Typer) -> None:
    policy_app = typer.Typer(help="CrossGuard policies: check plans offline.", no_args_is_help=True)
    policy_app.command(name="check")(check)
    app.add_typer(policy_app, name="policy")


def _load_plans(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """A plan file, or a directory of them (`mlfleet preview --all --json DIR`): plans by stack and
    the file each came from."""
    from mlfleet.engine.plan import PlanFileError, read_plan
    from mlfleet.policycheck.errors import PolicyCheckError

    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise PolicyCheckError(
            f"{path}: no plans (*.json); write them with `mlfleet preview --all --json {path}`"
        )
    plans: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}
    for file in files:
        try:
            plan = read_plan(file)
        except PlanFileError as exc:
            raise PolicyCheckError(str(exc)) from None
        stack = str(plan.get("stack", file.stem))
        if stack in plans:
            raise PolicyCheckError(
                f"{file}: stack '{stack}' is also in {sources[stack]}; keep one plan per stack"
            )
        plans[stack], sources[stack] = plan, str(file)
    return plans, sources


def _preview(cwd: Path, stack: str | None) -> dict[str, dict[str, Any]]:
    from mlfleet.engine.preview import run_preview
    from mlfleet.engine.project import load_project

    project = load_project(cwd)
    stacks = [stack] if stack else project.stacks()
    return {name: run_preview(project.directory, name, project) for name in stacks}


def check(
    stack: Annotated[
        str | None, typer.Option("--stack", "-s", help="Preview this stack offline and check it.")
    ] = None,
    all_stacks: Annotated[bool, typer.Option("--all", help="Check every stack (one pack process).")] = False,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="A plan, or a directory of plans, written by `mlfleet preview --json` (no preview).",
        ),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text, json or sarif.")] = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here.")] = None,
    cwd: Annotated[Path, typer.Option("--cwd", "-C", help="The Pulumi project directory.")] = CWD,
    config_dir: Annotated[
        Path | None,
        typer.Option("--config-dir", help="Per-stack pack config (<stack>.json); default policies/config."),
    ] = None,
) -> None:
    """Run the policy pack over stack plans; exit 1 on any mandatory violation."""
    from mlfleet.engine.errors import PreviewError
    from mlfleet.policycheck import check_plans, default_pack_dir
    from mlfleet.policycheck.errors import PolicyCheckError
    from mlfleet.policycheck.render import as_json, sarif, text

    if sum([stack is not None, all_stacks, plan is not None]) != 1:
        typer.echo("error: pass exactly one of --stack NAME, --all or --plan PATH", err=True)
        raise typer.Exit(2)
    if output_format not in FORMATS:
        typer.echo(f"error: --format {output_format!r} is not one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    try:
        started = time.perf_counter()
        if plan is not None:
            plans, sources = _load_plans(plan)
        else:
            plans = _preview(cwd, stack)
            sources = {name: f"stacks/Pulumi.{name}.yaml" for name in plans}
        pack_dir = default_pack_dir(cwd.resolve())
        results = check_plans(plans, pack_dir=pack_dir, config_dir=config_dir, sources=sources)
    except (PolicyCheckError, PreviewError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if output_format == "text":
        report = text(results)
    elif output_format == "json":
        report = as_json(results)
    else:
        from mlfleet.policycheck.analyzer import PolicyPackProcess

        with PolicyPackProcess(pack_dir) as proc:
            report = sarif(results, proc.rules)
    if output is not None:
        output.write_text(report if report.endswith("\n") else report + "\n", encoding="utf-8")
    else:
        typer.echo(report)
    largest = max(results, key=lambda r: r.resources, default=None)
    if largest is not None:
        typer.echo(
            f"policy time: {sum(r.seconds for r in results):.3f} s total, {largest.seconds:.3f} s for the "
            f"largest stack ({largest.stack}, {largest.resources} resources); "
            f"wall {time.perf_counter() - started:.2f} s",
            err=True,
        )
    if any(r.mandatory for r in results):
        raise typer.Exit(1)
