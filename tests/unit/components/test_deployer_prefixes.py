"""No AWS stack's CI deployer or drift reader reaches another stack's resources by name.

Scoping by `<prefix>-*` let `mlfleet-staging-*` (stack staging) match `mlfleet-staging-global-use1-*`
(stack staging-global) in a shared account. These tests build the ARN of every named AWS resource in
every AWS stack's plan and check it against every stack's CI policies: matched by its own stack's,
never by another's. GCP and Azure do not scope by name (one project / resource group per stack).
"""

from __future__ import annotations

import fnmatch
import json
from functools import cache
from typing import Any

import pytest

from components.aws import deployer_permissions as aws_table
from mlfleet.engine.harness import preview_stack

AWS_STACKS = ("dev", "staging", "prod", "staging-global")
ACCOUNT = "123456789012"


def _arn(resource: dict[str, Any]) -> str | None:
    """The ARN AWS gives a named resource of the plan (None for types named by id or not by name)."""
    i, r, a = resource["inputs"], "us-east-1", ACCOUNT
    # Without a name input the provider names the resource after its logical name + a random suffix.
    i = {"name": resource["name"] + "-a1b2c3d", "bucket": resource["name"] + "-a1b2c3d", **i}
    by_type = {
        "aws:s3/bucket:Bucket": lambda: f"arn:aws:s3:::{i['bucket']}",
        "aws:ecr/repository:Repository": lambda: f"arn:aws:ecr:{r}:{ACCOUNT}:repository/{i['name']}",
        "aws:iam/role:Role": lambda: f"arn:aws:iam::{ACCOUNT}:role/{i['name']}",
        "aws:iam/policy:Policy": lambda: f"arn:aws:iam::{ACCOUNT}:policy/{i['name']}",
        "aws:kms/alias:Alias": lambda: f"arn:aws:kms:{r}:{ACCOUNT}:{i['name']}",
        "aws:eks/cluster:Cluster": lambda: f"arn:aws:eks:{r}:{ACCOUNT}:cluster/{i['name']}",
        "aws:eks/nodeGroup:NodeGroup": lambda: (
            f"arn:aws:eks:{r}:{ACCOUNT}:nodegroup/{i['clusterName']}/{i['nodeGroupName']}/0a1b"
        ),
        "aws:eks/accessEntry:AccessEntry": lambda: (
            f"arn:aws:eks:{r}:{ACCOUNT}:access-entry/{i['clusterName']}/role/{ACCOUNT}/"
            f"{i['principalArn'].rsplit('/', 1)[1]}/0a1b"
        ),
        "aws:cloudwatch/metricAlarm:MetricAlarm": lambda: f"arn:aws:cloudwatch:{r}:{a}:alarm:{i['name']}",
        "aws:cloudwatch/eventRule:EventRule": lambda: f"arn:aws:events:{r}:{ACCOUNT}:rule/{i['name']}",
        "aws:sqs/queue:Queue": lambda: f"arn:aws:sqs:{r}:{ACCOUNT}:{i['name']}",
        "aws:sns/topic:Topic": lambda: f"arn:aws:sns:{r}:{ACCOUNT}:{i['name']}",
        "aws:budgets/budget:Budget": lambda: f"arn:aws:budgets::{ACCOUNT}:budget/{i['name']}",
    }
    make = by_type.get(resource["type"])
    return make() if make else None


@cache
def named_arns(stack: str) -> frozenset[str]:
    return frozenset(a for a in map(_arn, preview_stack(stack).resources) if a)


@cache
def ci_patterns(stack: str) -> frozenset[str]:
    """Every name-scoped Resource pattern of the stack's CI roles' managed policies (patterns that
    name no mlfleet resource, like `key/*` under a tag condition, are not name scoping)."""
    patterns: set[str] = set()
    for policy in preview_stack(stack).of_type("aws:iam/policy:Policy"):
        for statement in json.loads(policy["inputs"]["policy"])["Statement"]:
            resources = statement["Resource"]
            listed = [resources] if isinstance(resources, str) else resources
            patterns.update(p for p in listed if "mlfleet" in p)
    return frozenset(patterns)


def matches(arn: str, patterns: frozenset[str]) -> list[str]:
    # IAM's `*` matches any characters, `/` included, as fnmatch's does.
    return sorted(p for p in patterns if fnmatch.fnmatchcase(arn, p))


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_ci_policies_cover_every_named_resource_of_their_own_stack(stack: str) -> None:
    patterns = ci_patterns(stack)
    assert patterns, stack
    uncovered = sorted(arn for arn in named_arns(stack) if not matches(arn, patterns))
    assert not uncovered, (
        f"{stack}: its deployer cannot reach {uncovered}; add the name's block to NAME_BLOCKS in "
        "components/aws/deployer_permissions.py"
    )


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_no_stack_reaches_another_stacks_resources_by_name(stack: str) -> None:
    """staging's policies against staging-global's names is the case that was open."""
    reached = {
        (other, arn, pattern)
        for other in AWS_STACKS
        if other != stack
        for arn in named_arns(other)
        for pattern in matches(arn, ci_patterns(stack))
    }
    assert not reached, f"{stack}'s CI policies reach other stacks' resources: {sorted(reached)[:5]}"


def test_a_prefix_that_another_prefix_extends_does_not_cover_it() -> None:
    """The scheme itself, without plans: `mlfleet-staging` vs `mlfleet-staging-global-use1`."""
    statements = aws_table.statements("mlfleet-staging")
    mine = frozenset(p for s in statements for p in s["Resource"] if "mlfleet" in p)
    theirs = [
        "arn:aws:iam::1:role/mlfleet-staging-global-use1-id-deployer",
        "arn:aws:iam::1:policy/mlfleet-staging-global-use1-id-deployer-identity",
        "arn:aws:s3:::mlfleet-staging-global-use1-models",
        "arn:aws:eks:us-east-1:1:cluster/mlfleet-staging-global-use1-gpu",
    ]
    assert all(not matches(arn, mine) for arn in theirs)
    assert matches("arn:aws:iam::1:role/mlfleet-staging-id-deployer", mine)


@pytest.mark.parametrize("prefix", ["mlfleet-staging-gpu", "mlfleet-prod-id", "mlfleet-stg-global-models"])
def test_a_stack_or_cell_named_like_a_block_is_refused(prefix: str) -> None:
    """`mlfleet-staging-gpu-*` names would fall under stack staging's `mlfleet-staging-gpu-*`."""
    with pytest.raises(ValueError, match="rename the stack or cell"):
        aws_table.check_prefix(prefix)


def test_the_existing_stacks_are_accepted() -> None:
    for prefix in ("mlfleet-dev", "mlfleet-staging", "mlfleet-prod", "mlfleet-staging-global-use1"):
        aws_table.check_prefix(prefix)
