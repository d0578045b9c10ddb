"""`mlfleet preview`: the offline preview of one stack or all stacks."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from mlfleet.engine.parallel import StackResult


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
    from mlfleet.engine.project import load_project
    from mlfleet.engine.render import render_summary

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
    started = time.perf_counter()
    results = preview_many(project, stacks, jobs) if all_stacks else preview_in_process(project, stacks)

    def plan_path(name: str) -> Path:
        # --all writes one file per stack into the directory; --stack writes the file itself
        assert json_path is not None
        return json_path / f"{name}.json" if all_stacks else json_path

    done = show_previews(results, quiet=quiet, plan_path=plan_path if json_path is not None else None)
    typer.echo(render_summary(done, time.perf_counter() - started))
    sys.stdout.flush()
    if any(r.error for r in done):
        raise typer.Exit(1)


def show_previews(
    results: Iterable[StackResult], *, quiet: bool, plan_path: Callable[[str], Path] | None
) -> list[StackResult]:
    """Print each stack's tree (unless quiet) and write its plan where `plan_path` says; errors go
    to stderr. Shared by `mlfleet preview` and `make demo`."""
    from mlfleet.engine.plan import dumps
    from mlfleet.engine.render import render_plan

    done: list[StackResult] = []
    for result in results:
        done.append(result)
        if result.plan is None:
            typer.echo(f"error: {result.error}", err=True)
            continue
        if not quiet:
            typer.echo(render_plan(result.plan))
            typer.echo("")
        if plan_path is not None:
            target = plan_path(result.stack)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(dumps(result.plan))
            if not quiet:
                typer.echo(f"plan written to {target}")
    return done
