"""Every stack in stacks/ passes every mandatory rule: the pack's defaults, made stricter by the
stack's own pack config (policies/config/<stack>.json) where it raises a rule to mandatory.

The stack is previewed with the offline engine (the real program on the mock runtime); a stack
that does not preview fails here with the engine's error.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from mlfleet.engine.preview import run_preview
from mlfleet.policycheck.analyzer import PolicyPackProcess
from mlfleet.policycheck.pack_config import load_config

REPO = Path(__file__).resolve().parents[2]
STACKS = sorted(
    p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (REPO / "stacks").glob("Pulumi.*.yaml")
)


def strictest(pack: PolicyPackProcess, config: Mapping[str, Any]) -> dict[str, Any]:
    """Per rule: mandatory when the pack's default or the stack's config says so; rule settings kept."""
    out: dict[str, Any] = {}
    for rule, info in pack.rules.items():
        entry = config.get(rule, config.get("all"))
        settings = dict(entry) if isinstance(entry, Mapping) else {"enforcementLevel": entry}
        mandatory = info.enforcement == "mandatory" or settings.get("enforcementLevel") == "mandatory"
        out[rule] = {**settings, "enforcementLevel": "mandatory" if mandatory else "advisory"}
    return out


def test_there_are_stacks() -> None:
    assert {"dev", "prod"} <= set(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_stack_passes_its_mandatory_rules(pack: PolicyPackProcess, stack: str) -> None:
    started = time.perf_counter()
    plan = run_preview(REPO, stack)  # raises PreviewError: the failure names the engine's error
    previewed = time.perf_counter() - started
    config = strictest(pack, load_config(REPO / "policies" / "config" / f"{stack}.json"))
    result = pack.check(plan, config)
    print(f"{stack}: {result.resources} resources, preview {previewed:.2f} s, policy {result.seconds:.3f} s")
    assert result.resources > 0
    assert [f"{v.rule} {v.urn}: {v.message}" for v in result.mandatory] == []
