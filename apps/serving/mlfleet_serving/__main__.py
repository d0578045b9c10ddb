"""`python -m mlfleet_serving`: the server configured from MLFLEET_* environment variables."""

from mlfleet_serving.cli import main

main()
