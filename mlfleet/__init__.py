"""mlfleet: the tooling behind the `mlfleet` command.

Offline preview, policy check, train, serve and the model registry commands.
"""

__version__ = "0.1.0"
