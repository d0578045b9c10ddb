"""`mlfleet images push`: build and push one app image to a stack's registry (what `pulumi up` runs
before the workloads that need it; docs/delivery.md "How images reach the registry").

Exit codes: 0 pushed or already there, 1 a build/push error (one line on stderr).
"""

from __future__ import annotations

from pathlib import Path

import typer

images_app = typer.Typer(help="Build and push the apps' images.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(images_app, name="images")


@images_app.command("push")
def push_command(
    app: str = typer.Option(..., "--app", help="The app under apps/ whose Dockerfile to build."),
    ref: str = typer.Option(..., "--ref", help="<registry>/<repository>:<tag>, the ref the plan deploys."),
    acr_agent_pool: str | None = typer.Option(
        None, "--acr-agent-pool", help="Build with ACR Tasks on this agent pool (ACR in a VNet)."
    ),
    base_image: str | None = typer.Option(None, "--base-image", help="Default: the deploy base."),
    repo_root: Path = typer.Option(Path("."), "--repo-root", help="The repository (build context)."),
) -> None:
    """Push `--ref` built from apps/<app>/Dockerfile; a ref already in the registry is left alone."""
    from components.image_content import DEPLOY_BASE_IMAGE
    from mlfleet.images.push import PushError, push, push_with_acr_task

    base = base_image or DEPLOY_BASE_IMAGE
    try:
        if acr_agent_pool:
            result = push_with_acr_task(app, ref, acr_agent_pool, repo_root, base)
        else:
            result = push(app, ref, repo_root, base)
    except PushError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if result.pushed:
        typer.echo(f"pushed {result.ref}" + (f"@{result.digest}" if result.digest else ""))
    else:
        typer.echo(f"unchanged {result.ref} (already in the registry)")
