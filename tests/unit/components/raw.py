"""Run a stack's real program on the mock runtime and keep secret values readable (plans carry
only the secret marker): for tests that must compare a secret with what the cluster receives."""

from __future__ import annotations

from typing import Any

from mlfleet.engine.harness import REPO_ROOT
from mlfleet.engine.preview import run_stack

SECRET_SIG = "4dabf18193072939515e22adb298388d"


def raw_run(
    stack: str, changes: dict[str, Any] | None = None, secret_keys: tuple[str, ...] = ()
) -> tuple[list[Any], dict[str, Any]]:
    """Registrations and outputs of `stack`, its config updated with `changes` (values as the CLI
    passes them after decrypting, with `secret_keys` marked secret)."""
    run = run_stack(REPO_ROOT, stack, changes=changes, secret_keys=secret_keys)
    return run.registrations, run.outputs


def reveal(value: Any) -> tuple[Any, bool]:
    """(plain value, was it a secret)."""
    if isinstance(value, dict) and SECRET_SIG in value:
        return value["value"], True
    return value, False


def registered(registrations: list[Any], token: str, suffix: str = "") -> Any:
    found = [r for r in registrations if r.type == token and r.name.endswith(suffix)]
    assert len(found) == 1, (token, suffix, [r.name for r in found])
    return found[0]
