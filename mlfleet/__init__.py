"""mlfleet: the tooling behind the `mlfleet` command (offline preview, policy check, diff, train, serve, models)."""

__version__ = "0.1.0"
