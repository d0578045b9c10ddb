"""`mlfleet-registry sync DESTINATION`: the registry's sync as a command of the registry package itself,
so any image carrying the library (the trainer image) can run it: the stack's registry-sync CronJob
runs exactly this (components/kubernetes/registry_sync.py).

The source is `--source`, else $MLFLEET_REGISTRY; signatures are checked with $MLFLEET_VERIFY_KEYS
(a version whose manifest does not verify is not copied). Exit codes: 0 in sync, 1 a conflict or a
registry error (one line each on stderr, never a traceback), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys

from mlfleet_registry import REGISTRY_ENV, RegistryError, open_registry, sync_registries


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlfleet-registry", description="Operate an mlfleet model registry."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    sync = commands.add_parser(
        "sync",
        help="Copy versions, aliases and audit events: idempotent, resumable, hash- and signature-checked.",
    )
    sync.add_argument("destination", help="Registry URL to copy into (e.g. gs://bucket/registry).")
    sync.add_argument("--source", help=f"Registry URL to copy from (default: ${REGISTRY_ENV}).")
    sync.add_argument("--model", "-m", action="append", help="Only this model (repeatable).")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    source = args.source or os.environ.get(REGISTRY_ENV)
    if not source:
        print(f"error: no source registry: pass --source or set ${REGISTRY_ENV}", file=sys.stderr)
        return 2
    try:
        src, dst = open_registry(source), open_registry(args.destination)
        report = sync_registries(src, dst, names=args.model)
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a client failure the store layer did not translate: still one line
        if os.environ.get("MLFLEET_DEBUG"):
            raise
        detail = " ".join(str(exc).split())[:300]
        print(
            f"error: {type(exc).__name__}: {detail} (set MLFLEET_DEBUG=1 for the traceback)", file=sys.stderr
        )
        return 1
    print(f"{src.url} -> {dst.url}: {report.summary()}", flush=True)
    for conflict in report.conflicts:
        print(f"conflict: {conflict}", file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
