"""`mlfleet drill`: the failover drill on this machine (mlfleet/drill, docs/multi-cloud.md)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command(name="drill")(drill)


def drill(
    stack: str = typer.Option(..., "--stack", "-s", help="A multi-cell stack with mlfleet:frontDoor."),
    quick: bool = typer.Option(
        False,
        "--quick",
        help="Scale every duration so that the health-check interval is 1 s (figures scaled back).",
    ),
    cwd: Path = typer.Option(Path("."), "--cwd", help="The Pulumi project directory."),
    json_path: Path | None = typer.Option(None, "--json", help="Also write the figures as JSON here."),
) -> None:
    """Fail a cell three ways under steady load (server killed, registry unreachable, broken model
    version) behind haproxy configured from the stack's front door, and measure detection, RTO,
    failed requests, failback and the model RPO against what the config leads one to expect."""
    import signal
    import sys

    from mlfleet_registry import RegistryError
    from mlfleet_trainer.errors import TrainerError

    from mlfleet.drill.errors import DrillError
    from mlfleet.drill.runner import Drill
    from mlfleet.drill.stack import read_stack
    from mlfleet.drill.timing import Timing

    def say(line: str) -> None:
        typer.echo(f"[drill] {line}", err=True)

    def terminated(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM (a CI timeout, kill): stop everything, as on Ctrl-C

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        target = read_stack(stack, cwd)
        timing = Timing.for_interval(target.door.interval, quick)
        say(
            f"{target.stack_file}: {target.primary.name} ({target.primary.cloud}, primary) + "
            f"{target.secondary.name} ({target.secondary.cloud}); {timing.label}"
        )
        report = Drill(target, timing, say).run()
    except DrillError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except (RegistryError, TrainerError, OSError) as exc:  # a part of the platform failed mid-drill
        typer.echo(f"error: the drill failed (everything it started was stopped): {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("drill interrupted; everything it started was stopped", err=True)
        raise typer.Exit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    typer.echo(report.render())
    if json_path is not None:
        json_path.write_text(report.to_json())
    sys.stdout.flush()
    raise typer.Exit(0 if report.ok else 1)
