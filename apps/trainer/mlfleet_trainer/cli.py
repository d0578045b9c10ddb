"""`mlfleet-trainer`: the container entrypoint (same run as `mlfleet train`)."""

from __future__ import annotations

import argparse
import sys

from mlfleet_trainer.errors import TrainerError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mlfleet-trainer",
        description="Validate, train, gate and publish. Exit 0: registered (and promoted if configured); "
        "1: failed, nothing registered; 2: usage; 3: registered but not promoted (production moved).",
        epilog="Environment: MLFLEET_REGISTRY (registry URL), MLFLEET_TRAIN_CONFIG (config file), "
        "MLFLEET_MODEL (model name; overrides the config file's model_name). The mlfleet stacks set "
        "all three on the training Job.",
    )
    parser.add_argument("--registry", help="registry URL (default: $MLFLEET_REGISTRY or .mlfleet/registry)")
    parser.add_argument(
        "--config",
        help="YAML/JSON training config (default: $MLFLEET_TRAIN_CONFIG, else the built-in defaults)",
    )
    args = parser.parse_args(argv)
    from mlfleet_registry import RegistryError

    from mlfleet_trainer.config import load_effective_config
    from mlfleet_trainer.errors import EXIT_NOT_PROMOTED, NotPromoted
    from mlfleet_trainer.run import train

    try:
        result = train(load_effective_config(args.config), args.registry)
    except NotPromoted as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NOT_PROMOTED
    except (TrainerError, RegistryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{result.manifest.name} {result.manifest.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
