"""`mlfleet serve` (and the standalone `mlfleet-serving` script). Options left unset come from the
environment (MLFLEET_*), so the container needs no arguments. Heavy imports happen at run time."""

from __future__ import annotations

from typing import Annotated, Any

import typer


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def load_settings(overrides: dict[str, Any]) -> Any:
    """ServingSettings from CLI overrides + environment, or a clean error naming the bad option."""
    from pydantic import ValidationError

    from mlfleet_serving.settings import ServingSettings

    try:
        return ServingSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "settings"
            hint = f" (--{field.replace('_', '-')} or MLFLEET_{field.upper()})" if error["loc"] else ""
            problems.append(f"{field}{hint}: {error['msg']}")
        _fail("invalid serving configuration:\n  " + "\n  ".join(problems))


def serve_command(
    registry: Annotated[
        str | None, typer.Option(help="Registry URL (local path, s3://, gs://, az://) [MLFLEET_REGISTRY]")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name [MLFLEET_MODEL]")] = None,
    alias: Annotated[
        str | None, typer.Option(help="Alias to serve [MLFLEET_ALIAS, default production]")
    ] = None,
    host: Annotated[str | None, typer.Option(help="Bind address [MLFLEET_HOST, default 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [MLFLEET_PORT, default 8080]")] = None,
    canary_alias: Annotated[str | None, typer.Option(help="Canary alias [MLFLEET_CANARY_ALIAS]")] = None,
    canary_weight: Annotated[
        float | None, typer.Option(help="Canary share 0..1 [MLFLEET_CANARY_WEIGHT]")
    ] = None,
    shadow_alias: Annotated[str | None, typer.Option(help="Shadow alias [MLFLEET_SHADOW_ALIAS]")] = None,
    api_keys_file: Annotated[
        str | None, typer.Option(help="File of 'name:sha256:<hex>' lines [MLFLEET_API_KEYS_FILE]")
    ] = None,
    range_policy: Annotated[str | None, typer.Option(help="reject|clip|flag [MLFLEET_RANGE_POLICY]")] = None,
    dev_key: Annotated[
        bool, typer.Option("--dev-key", help="Generate an API key for local use and print it")
    ] = False,
    print_key_hash: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Generate a key named NAME, print it and its hash line, exit"),
    ] = None,
) -> None:
    """Serve a registry model over HTTP (Open Inference Protocol v2 and /predict)."""
    from mlfleet_serving.auth import ConfigError, generate_api_key, hash_api_key, hash_entry

    if print_key_hash is not None:
        key = generate_api_key()
        typer.echo(f"key (give to the client, store nowhere else): {key}")
        typer.echo(f"hash line (for MLFLEET_API_KEYS_FILE): {hash_entry(print_key_hash, key)}")
        return
    settings = load_settings(
        {
            "registry": registry,
            "model": model,
            "alias": alias,
            "host": host,
            "port": port,
            "canary_alias": canary_alias,
            "canary_weight": canary_weight,
            "shadow_alias": shadow_alias,
            "api_keys_file": api_keys_file,
            "range_policy": range_policy,
        }
    )
    extra: dict[str, str] = {}
    if dev_key:
        key = generate_api_key()
        extra[hash_api_key(key)] = "dev"
        typer.echo(f"dev API key (this process only): {key}", err=True)
    from mlfleet_serving.server import serve

    try:
        serve(settings, extra_key_hashes=extra)
    except ConfigError as exc:
        _fail(str(exc))
    except ImportError as exc:
        _fail(f"cannot open the registry or runtime: {exc}")
    except Exception as exc:
        if type(exc).__name__ in {"RegistryError", "NotFound"}:
            _fail(f"registry {settings.registry!r}: {exc}")
        raise


def main() -> None:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(serve_command)
    app()
