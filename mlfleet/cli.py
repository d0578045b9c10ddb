"""The `mlfleet` command. Each sub-command lives in `mlfleet/commands/<name>.py` and exposes
`register(app)`; heavy imports (Pulumi SDKs, scikit-learn) happen inside the commands so that
`mlfleet --help` stays fast."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="mlfleet",
    help="Run MLOps on several clouds as code: offline preview, policies, diffs, training, serving, models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# One line per command module; each module's register(app) adds its command(s).
COMMAND_MODULES: list[str] = [
    "mlfleet.commands.preview",
    "mlfleet.commands.policy",
    "mlfleet.commands.diff",
    "mlfleet.commands.serve",
    "mlfleet.commands.models",
    "mlfleet.commands.train",
    "mlfleet.commands.rehearse",
    "mlfleet.commands.release",
    "mlfleet.commands.drill",
    "mlfleet.commands.images",
]

for module_name in COMMAND_MODULES:
    importlib.import_module(module_name).register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
