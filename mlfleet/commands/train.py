"""`mlfleet train`: validate, train, gate and publish a model (the trainer container's job, locally)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command(name="train")(train)


def train(
    registry: str | None = typer.Option(
        None, "--registry", help="Registry URL (default: $MLFLEET_REGISTRY, else .mlfleet/registry)."
    ),
    config: str | None = typer.Option(
        None,
        "--config",
        help="YAML/JSON training config (default: $MLFLEET_TRAIN_CONFIG, else a 50-tree random forest "
        "on breast cancer).",
    ),
) -> None:
    """Train from a config, gate against production, publish to the registry and (optionally) promote.

    $MLFLEET_MODEL, when set, overrides the config's model_name (the stacks set it to the served model).
    Exit 0: registered (and promoted if configured); 1: failed, nothing registered; 2: usage error;
    3: registered but not promoted (the alias moved meanwhile and the re-gate rejected it).
    """
    from mlfleet_registry import RegistryError
    from mlfleet_trainer.config import load_effective_config
    from mlfleet_trainer.errors import EXIT_NOT_PROMOTED, NotPromoted, TrainerError
    from mlfleet_trainer.run import train as run_training

    try:
        result = run_training(load_effective_config(config), registry)
    except NotPromoted as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_NOT_PROMOTED) from None
    except (TrainerError, RegistryError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    promoted = f", {result.promoted_to} -> {result.manifest.version}" if result.promoted_to else ""
    typer.echo(f"registered {result.manifest.name} {result.manifest.version}{promoted}")
