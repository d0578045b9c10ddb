"""The front door health-checks every cell at the serving app's readiness path, in every environment.

Where the door is Route 53 or Traffic Manager (components/front_door.py), every cell's serving host
must be health-checked and routed to, each check must probe the readiness path of the serving
Deployment behind the Ingress (a liveness or root path stays green while the model is not loaded),
and every cell's Ingress must accept the door's global name. The checks themselves are
mlops-multi-region-front-door's `front_door_gaps` (one definition); that rule says whether a prod
stack needs a door at all, this one whether a door that exists watches the right thing."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.mlops.multi_region_front_door import front_door_gaps
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    for gap in front_door_gaps(StackIndex(resources)):
        yield gap, None


RULE = stack_rule(
    RuleMeta(
        id="mlops-front-door-readiness",
        description="The front door must health-check every cell at the serving readiness path.",
        severity=Severity.HIGH,
        remediation=(
            "Set mlfleet:frontDoor: the FrontDoor block health-checks each cell's own serving hostname "
            "over HTTPS at the readiness path and routes the global name to it; every cell's Ingress "
            "accepts the global name (docs/multi-cloud.md)."
        ),
        frameworks=("iso27001",),
        topics=("mlops", "topology", "resilience"),
        assumes="outputs",
    ),
    check,
)
