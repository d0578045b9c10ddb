"""`mlfleet preview`: the offline preview of one stack or all stacks."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command(name="preview")(preview)


def preview(
    stack: str | None = typer.Option(
        None, "--stack", "-s", help="Stack to preview (stacks/Pulumi.<stack>.yaml)."
    ),
    all_stacks: bool = typer.Option(False, "--all", help="Preview every stack of the project."),
    json_path: Path | None = typer.Option(
        None, "--json", help="Write the plan (docs/plan-format.md) here; with --all, a directory."
    ),
    cwd: Path = typer.Option(
        Path("."), "--cwd", "-C", help="The Pulumi project directory (like `pulumi -C`)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary."),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", min=1, help="Worker processes for --all (default: one per CPU)."
    ),
) -> None:
    """Run the stack's real program on the Pulumi SDK's mock runtime; show what `pulumi up` would create."""
    from mlfleet.engine.errors import PreviewError
    from mlfleet.engine.parallel import preview_in_process, preview_many, tune_gc_for_preview
    from mlfleet.engine.plan import dumps
    from mlfleet.engine.project import load_project
    from mlfleet.engine.render import render_plan, render_summary

    tune_gc_for_preview()
    if (stack is None) == (not all_stacks):
        typer.echo("error: pass exactly one of --stack NAME or --all", err=True)
        raise typer.Exit(2)
    try:
        project = load_project(cwd)
    except PreviewError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    stacks = project.stacks() if all_stacks else [stack or ""]
    if not stacks:
        typer.echo(f"error: no stack files in {project.stack_config_dir}", err=True)
        raise typer.Exit(1)
    rows: list[tuple[str, int, float, str | None]] = []
    started = time.perf_counter()
    results = preview_many(project, stacks, jobs) if all_stacks else preview_in_process(project, stacks)
    for result in results:
        if result.plan is None:
            rows.append((result.stack, 0, result.seconds, result.error))
            typer.echo(f"error: {result.error}", err=True)
            continue
        plan = result.plan
        rows.append((result.stack, len(plan["resources"]), result.seconds, None))
        if not quiet:
            typer.echo(render_plan(plan))
            typer.echo("")
        if json_path is not None:
            target = json_path / f"{result.stack}.json" if all_stacks else json_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(dumps(plan))
            if not quiet:
                typer.echo(f"plan written to {target}")
    typer.echo(render_summary(rows, time.perf_counter() - started))
    sys.stdout.flush()
    if any(error for *_, error in rows):
        raise typer.Exit(1)
