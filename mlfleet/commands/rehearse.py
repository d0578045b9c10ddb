"""`mlfleet rehearse`: run what a stack deploys, for real, on this machine (see docs/rehearsal.md)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command(name="rehearse")(rehearse)


def rehearse(
    stack: str = typer.Option(
        ..., "--stack", "-s", help="The stack to rehearse (stacks/Pulumi.<stack>.yaml)."
    ),
    cwd: Path = typer.Option(Path("."), "--cwd", help="The Pulumi project directory."),
    json_path: Path | None = typer.Option(None, "--json", help="Also write the report as JSON here."),
    workdir: Path | None = typer.Option(
        None,
        "--workdir",
        help="Keep configs, logs and volumes here (default: a temporary directory, removed).",
    ),
    keep: bool = typer.Option(
        False, "--keep", help="Leave the rehearsal running until Ctrl-C (to poke at it)."
    ),
) -> None:
    """Build the images, run the stack's workloads with podman exactly as the plan says, against
    object-store emulators and real Prometheus/Alertmanager, and check the platform works."""
    from mlfleet.engine.errors import PreviewError
    from mlfleet.rehearse.errors import RehearsalError
    from mlfleet.rehearse.runner import Rehearsal

    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    try:
        report = Rehearsal(
            cwd, stack, workdir=workdir, keep=keep, progress=lambda line: typer.echo(line, err=True)
        ).run()
    except (PreviewError, RehearsalError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(report.render())
    if json_path is not None:
        json_path.write_text(report.to_json())
    raise typer.Exit(0 if report.ok else 1)
