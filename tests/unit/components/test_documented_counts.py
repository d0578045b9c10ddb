"""The resource counts docs/components.md states for each stack are the real ones (fabric-style:
documented examples say how many resources they create, and a test keeps them honest)."""

from __future__ import annotations

import re

import pytest

from mlfleet.engine.harness import REPO_ROOT, preview_stack


def documented_counts() -> dict[str, int]:
    text = (REPO_ROOT / "docs" / "components.md").read_text()
    section = text.split("Resources per stack (whole stack", 1)[1]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| ([a-z-]+) \| (\d+) \|$", section, re.M)}


def test_every_stack_is_documented() -> None:
    stacks = sorted(
        p.name[len("Pulumi.") : -len(".yaml")] for p in (REPO_ROOT / "stacks").glob("Pulumi.*.yaml")
    )
    assert sorted(documented_counts()) == stacks


@pytest.mark.parametrize("stack", sorted(documented_counts()))
def test_documented_count_matches_the_preview(stack: str) -> None:
    assert len(preview_stack(stack).resources) == documented_counts()[stack]
