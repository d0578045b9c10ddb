"""Running building blocks and stacks on the mock runtime in tests (see docs/components.md)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mlfleet.engine.fidelity import check_plan
from mlfleet.engine.plan import build_plan
from mlfleet.engine.preview import run_preview
from mlfleet.engine.runtime import ProgramError, run_on_mocks

REPO_ROOT = Path(__file__).resolve().parents[2]


class Plan:
    """A plan (docs/plan-format.md) with lookups for assertions."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.resources: list[dict[str, Any]] = data["resources"]
        self.outputs: dict[str, Any] = data["outputs"]

    def of_type(self, token: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == token]

    def one(self, token: str) -> dict[str, Any]:
        found = self.of_type(token)
        assert len(found) == 1, (
            f"expected exactly one {token}, found {len(found)}: {[r['name'] for r in found]}"
        )
        return found[0]

    def named(self, name: str) -> dict[str, Any]:
        found = [r for r in self.resources if r["name"] == name]
        assert len(found) == 1, f"expected exactly one resource named {name}, found {len(found)}"
        return found[0]

    def children(self, urn: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["parent"] == urn]

    def by_urn(self, urn: str) -> dict[str, Any]:
        return next(r for r in self.resources if r["urn"] == urn)

    def custom(self) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["custom"] and not r["type"].startswith("pulumi:providers:")]


def run_program(
    fn: Callable[[], Any],
    *,
    stack: str = "dev",
    project: str = "mlfleet",
    config: dict[str, Any] | None = None,
    secrets: Iterable[str] = (),
    check: bool = True,
) -> Plan:
    """Run `fn()` as a Pulumi program on the mock runtime and return its plan.

    Exceptions raised by `fn` (e.g. ComponentArgumentError) propagate unchanged, so tests can
    assert on them. With `check`, the fidelity checks of `mlfleet preview` apply (AssertionError).
    """
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (config or {}).items()}
    try:
        registrations, outputs = run_on_mocks(
            fn, project=project, stack=stack, config=values, secret_keys=list(secrets), directory=REPO_ROOT
        )
    except ProgramError as exc:
        raise exc.error from None
    plan = build_plan(project, stack, {}, registrations, outputs)
    if check:
        findings = check_plan(plan)
        assert not findings, "\n".join(f.message() for f in findings)
    return Plan(plan)


def preview_stack(stack: str, project_dir: Path = REPO_ROOT) -> Plan:
    """The plan of a real stack file (runs __main__.py exactly as `mlfleet preview` does).

    Cached per process (many test modules read the same stacks); each call gets its own copy.
    """
    return Plan(json.loads(_preview_json(stack, project_dir.resolve())))


@functools.cache
def _preview_json(stack: str, project_dir: Path) -> str:
    return json.dumps(run_preview(project_dir, stack))
