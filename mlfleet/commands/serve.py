"""`mlfleet serve`: the model server (implementation in the mlfleet_serving package)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    # mlfleet_serving.cli imports only typer at module level; the server loads on run.
    from mlfleet_serving.cli import serve_command

    app.command("serve")(serve_command)
