"""Docker repositories in Artifact Registry make tags immutable (default mutable)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if (
        str(get(r.props, "format", "")).upper() == "DOCKER"
        and get(r.props, "dockerConfig.immutableTags") is not True
    ):
        yield "dockerConfig.immutableTags is not true (default: mutable)"


RULE = resource_rule(
    RuleMeta(
        id="gcp-artifact-registry-immutable-tags",
        description="Artifact Registry Docker repositories must use immutable tags.",
        severity=Severity.MEDIUM,
        remediation="Set docker_config={'immutable_tags': True}.",
        frameworks=("iso27001",),
        topics=("gcp", "artifactregistry", "registry", "supply-chain"),
    ),
    [
        "gcp:artifactregistry/repository:Repository",
    ],
    check,
)
