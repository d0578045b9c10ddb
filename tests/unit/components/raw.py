"""Run a stack's real program on the mock runtime and keep secret values readable (plans carry
only the secret marker): for tests that must compare a secret with what the cluster receives."""

from __future__ import annotations

import json
from typing import Any

from mlfleet.engine.harness import REPO_ROOT
from mlfleet.engine.project import config_for_runtime, load_project, load_stack_config
from mlfleet.engine.runtime import run_main, run_on_mocks

SECRET_SIG = "4dabf18193072939515e22adb298388d"


def raw_run(
    stack: str, changes: dict[str, Any] | None = None, secret_keys: tuple[str, ...] = ()
) -> tuple[list[Any], dict[str, Any]]:
    """Registrations and outputs of `stack`, its config updated with `changes` (values as the CLI
    passes them after decrypting, with `secret_keys` marked secret)."""
    project = load_project(REPO_ROOT)
    config = load_stack_config(project, stack)
    values = config_for_runtime(config)
    for key, value in (changes or {}).items():
        values[key] = value if isinstance(value, str) else json.dumps(value)
    return run_on_mocks(
        run_main(project.main),
        project=project.name,
        stack=stack,
        config=values,
        secret_keys=sorted({*config.secret_keys, *secret_keys}),
        directory=project.directory,
    )


def reveal(value: Any) -> tuple[Any, bool]:
    """(plain value, was it a secret)."""
    if isinstance(value, dict) and SECRET_SIG in value:
        return value["value"], True
    return value, False


def registered(registrations: list[Any], token: str, suffix: str = "") -> Any:
    found = [r for r in registrations if r.type == token and r.name.endswith(suffix)]
    assert len(found) == 1, (token, suffix, [r.name for r in found])
    return found[0]
