"""`mlfleet models list|show|promote|rollback|delete|sync|verify|repair`: operate the model registry.

Exit codes: 0 ok, 1 a registry error (one line on stderr, never a traceback), 2 usage error.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import partial
from typing import Any

import typer

models_app = typer.Typer(help="Inspect and operate the model registry.", no_args_is_help=True)

REGISTRY_HELP = "Registry URL (default: $MLFLEET_REGISTRY, else .mlfleet/registry)."


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


def _run(action: Callable[[], Any]) -> Any:
    """Registry errors become one clean line on stderr and exit code 1."""
    from mlfleet_registry import RegistryError

    try:
        return action()
    except RegistryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:  # a client failure the store layer did not translate: still one line
        if os.environ.get("MLFLEET_DEBUG"):
            raise
        detail = " ".join(str(exc).split())[:300]
        typer.echo(f"error: {type(exc).__name__}: {detail} (set MLFLEET_DEBUG=1 for the traceback)", err=True)
        raise typer.Exit(1) from None


def _open(url: str | None) -> Any:
    from mlfleet_registry import open_registry

    return _run(lambda: open_registry(url))


def _actor(actor: str | None) -> str:
    from mlfleet_trainer.run import actor as default_actor

    return actor or default_actor()


@models_app.command("list")
def list_models(registry: str | None = typer.Option(None, "--registry", help=REGISTRY_HELP)) -> None:
    """Every model with its versions and aliases."""
    reg = _open(registry)
    _run(reg.require_exists)  # a mistyped URL is an error, not an empty list
    names = _run(reg.list_models)
    if not names:
        typer.echo(f"no models in {reg.url}")
    for name in names:
        versions = _run(partial(reg.list_versions, name))
        aliases = _run(partial(reg.aliases, name))
        alias_text = ", ".join(f"{a}={v}" for a, v in aliases.items()) or "no aliases"
        typer.echo(f"{name}: {len(versions)} version(s), latest {versions[-1]}; {alias_text}")


@models_app.command("show")
def show(
    name: str = typer.Argument(..., help="Model name."),
    ref: str | None = typer.Argument(None, help="Version id or alias (default: the latest version)."),
    registry: str | None = typer.Option(None, "--registry", help=REGISTRY_HELP),
    history: bool = typer.Option(False, "--history", help="Also print every alias move."),
) -> None:
    """A version's manifest (JSON) plus the model's aliases."""
    reg = _open(registry)

    def manifest() -> Any:
        from mlfleet_registry.names import check_name, check_ref

        check_name(name)
        if ref is not None:
            check_ref(ref)
        versions = reg.list_versions(name)
        if not versions:
            from mlfleet_registry import NotFound

            raise NotFound(f"model {name!r} has no versions in {reg.url}")
        return reg.manifest(name, reg.resolve_ref(name, ref) if ref is not None else versions[-1])

    typer.echo(_run(manifest).model_dump_json(indent=2))
    aliases = _run(lambda: reg.aliases(name))
    typer.echo("aliases: " + (", ".join(f"{a}={v}" for a, v in aliases.items()) or "none"))
    if history:
        for alias in aliases:
            for move in _run(partial(reg.alias_history, name, alias)):
                typer.echo(json.dumps(move))


@models_app.command("promote")
def promote(
    name: str = typer.Argument(..., help="Model name."),
    version: str = typer.Argument(..., help="Version id (e.g. v0003) or an alias to copy from."),
    alias: str = typer.Option("production", "--alias", "-a", help="Alias to move."),
    expected: str | None = typer.Option(
        None, "--expected", help="Compare-and-swap: the version the alias must point at now ('none': unset)."
    ),
    registry: str | None = typer.Option(None, "--registry", help=REGISTRY_HELP),
    actor: str | None = typer.Option(None, "--actor", help="Who (default: $MLFLEET_ACTOR or user@host)."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded in the audit log)."),
) -> None:
    """Move an alias to a version (compare-and-swap with --expected)."""
    from mlfleet_registry import ANY

    reg = _open(registry)
    target = _run(lambda: reg.resolve_ref(name, version))
    want: Any = ANY if expected is None else (None if expected == "none" else expected)
    _run(lambda: reg.set_alias(name, alias, target, expected=want, actor=_actor(actor), reason=reason))
    typer.echo(f"{name}: {alias} -> {target}")


@models_app.command("rollback")
def rollback(
    name: str = typer.Argument(..., help="Model name."),
    alias: str = typer.Option("production", "--alias", "-a", help="Alias to move back."),
    registry: str | None = typer.Option(None, "--registry", help=REGISTRY_HELP),
    actor: str | None = typer.Option(None, "--actor", help="Who (default: $MLFLEET_ACTOR or user@host)."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded in the audit log)."),
) -> None:
    """Move an alias back to the version it pointed at before its latest move."""
    reg = _open(registry)
    version = _run(lambda: reg.rollback(name, alias, actor=_actor(actor), reason=reason))
    typer.echo(f"{name}: {alias} -> {version} (rolled back)")


@models_app.command("delete")
def delete(
    name: str = typer.Argument(..., help="Model name."),
    version: str = typer.Argument(..., help="Version id (e.g. v0003); no alias may point at it."),
    registry: str | None = typer.Option(None, "--registry", help=REGISTRY_HELP),
    actor: str | None = typer.Option(None, "--actor", help="Who (default: $MLFLEET_ACTOR or user@host)."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded in the audit log)."),
) -> None:
    """Delete a version (its id is never reused; recorded in the audit log)."""
    reg = _open(registry)
    _run(lambda: reg.delete_version(name, version, actor=_actor(actor), reason=reason))
    typer.echo(f"{name}: deleted {version}")


@models_app.command("sync")
def sync(
    destination: str = typer.Argument(..., help="Registry URL to copy into (e.g. gs://bucket/registry)."),
    registry: str | None = typer.Option(None, "--registry", help="Source registry. " + REGISTRY_HELP),
    model: list[str] | None = typer.Option(None, "--model", "-m", help="Only these models (repeatable)."),
) -> None:
    """Copy versions, aliases and audit events to another registry: idempotent, resumable, hash-verified."""
    from mlfleet_registry import sync_registries

    src, dst = _open(registry), _open(destination)
    report = _run(lambda: sync_registries(src, dst, names=model or None))
    typer.echo(f"{src.url} -> {dst.url}: {report.summary()}")
    for conflict in report.conflicts:
        typer.echo(f"conflict: {conflict}", err=True)
    if not report.ok:
        raise typer.Exit(1)


@models_app.command("verify")
def verify(
    name: str | None = typer.Argument(None, help="Only this model (default: all)."),
    registry: str | None = typer.Option(None, "--registry", help=REGISTRY_HELP),
) -> None:
    """Check hashes, manifests, alias targets and audit events; exit 1 naming each problem."""
    reg = _open(registry)
    problems = _run(lambda: reg.verify(name))
    for problem in problems:
        typer.echo(f"FAIL {problem}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"ok: {reg.url} verified" + (f" ({name})" if name else ""))


@models_app.command("repair")
def repair(
    name: str | None = typer.Argument(None, help="Only this model (default: all)."),
    registry: str | None = typer.Option(None, "--registry", help=REGISTRY_HELP),
    actor: str | None = typer.Option(None, "--actor", help="Who (default: $MLFLEET_ACTOR or user@host)."),
) -> None:
    """Finish what killed operations left: missing audit events, interrupted deletes, aliases on deleted
    versions. Idempotent; prints each action."""
    reg = _open(registry)
    done = _run(lambda: reg.repair(name, actor=_actor(actor)))
    for action in done:
        typer.echo(action)
    typer.echo(f"repaired {reg.url}: {len(done)} action(s)" if done else f"nothing to repair in {reg.url}")


@models_app.command("keygen")
def keygen(
    path: str = typer.Argument(
        ..., help="Where to write the Ed25519 private key (PATH.pub gets the public key)."
    ),
) -> None:
    """Create a local Ed25519 signing key (publish with MLFLEET_SIGNING_KEY=PATH, verify with
    MLFLEET_VERIFY_KEYS=PATH.pub)."""
    from pathlib import Path

    from mlfleet_registry import RegistryError
    from mlfleet_registry.signing import generate_key

    def create() -> tuple[Path, str]:
        try:
            return generate_key(Path(path))
        except FileExistsError:
            raise RegistryError(f"{path} already exists; not overwriting a key") from None
        except OSError as exc:
            raise RegistryError(f"cannot write {path}: {exc.strerror}") from None

    public, key_id = _run(create)
    typer.echo(f"signing key {path} (key id {key_id}); public key {public}")
