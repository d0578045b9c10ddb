"""On AWS the ALB reaches the serving pods by IP from inside the VPC, so the serving NetworkPolicy
admits the cell's own network block: with a fixed 10.0.0.0/16 a cell on another block (every cell of a
multi-cell stack) would drop the load balancer's traffic and health checks."""

from __future__ import annotations

import pytest

from mlfleet.engine.harness import preview_stack
from tests.unit.components.plans import stack_config


def _admitted_blocks(stack: str, name: str) -> list[str]:
    (policy,) = [
        r
        for r in preview_stack(stack).of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if r["name"] == name
    ]
    return [
        peer["ipBlock"]["cidr"]
        for rule in policy["inputs"]["spec"]["ingress"]
        for peer in rule["from"]
        if "ipBlock" in peer
    ]


@pytest.mark.parametrize(
    ("stack", "cell"), [("dr", "use1"), ("prod-global", "use1"), ("staging-global", "use1")]
)
def test_an_aws_cell_admits_its_own_vpc(stack: str, cell: str) -> None:
    (network,) = [c["networkCidr"] for c in stack_config(stack)["mlfleet:cells"] if c["name"] == cell]
    assert network != "10.0.0.0/16"  # the case that was wrong
    assert _admitted_blocks(stack, f"mlfleet-{stack}-{cell}-serving-netpol") == [network]


def test_a_one_cell_aws_stack_admits_the_cluster_default_block() -> None:
    assert _admitted_blocks("dev", "mlfleet-dev-serving-netpol") == ["10.0.0.0/16"]
