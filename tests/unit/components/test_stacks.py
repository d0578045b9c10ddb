"""Issue-2 slice conventions on every stack: names from <project>-<stack>-<block>, tags on every
taggable resource, and the resource counts of the storage and identity layer (docs/components.md)."""

from __future__ import annotations

import re

import pytest

from mlfleet.engine.harness import preview_stack
from tests.unit.components.plans import TAG_KEYS, storage_layer

# Resources (components included) of the five storage and identity blocks per stack.
EXPECTED_COUNTS = {"dev": 54, "staging": 54, "prod": 75, "gcp-dev": 43, "azure-dev": 39}
# Logical names may carry only deterministic parts: no random suffixes.
NAME = re.compile(r"^mlfleet-{stack}-(key|models|images|id|signing)(-[a-z0-9-]+)?$")


@pytest.fixture(scope="module", params=sorted(EXPECTED_COUNTS))
def stack_plan(request):
    return request.param, storage_layer(preview_stack(request.param))


def test_resource_count(stack_plan):
    stack, plan = stack_plan
    assert len(plan.resources) == EXPECTED_COUNTS[stack]


def test_names_derive_from_project_stack_block(stack_plan):
    stack, plan = stack_plan
    pattern = re.compile(NAME.pattern.format(stack=re.escape(stack)))
    for resource in plan.resources:
        assert pattern.match(resource["name"]), resource["name"]


def test_every_taggable_resource_carries_the_standard_tags(stack_plan):
    _stack, plan = stack_plan
    tagged = 0
    for resource in plan.custom():
        for key in ("tags", "labels"):
            if key in resource["inputs"]:
                assert TAG_KEYS <= set(resource["inputs"][key]), (resource["name"], resource["inputs"][key])
                tagged += 1
    assert tagged >= 4
