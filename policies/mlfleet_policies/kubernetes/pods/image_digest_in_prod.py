"""Prod workloads run images by digest (`repo@sha256:...`), or by a tag of a repository in this stack whose
tags are immutable (ECR IMMUTABLE, Artifact Registry immutableTags): a mutable tag can change under a
running deployment."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, containers, pod_environment, pod_spec
from mlfleet_policies.props import PRODUCTION, get
from mlfleet_policies.rule import RuleMeta, stack_rule


def immutable_prefixes(resources: list[PolicyResource]) -> tuple[str, ...]:
    """Image name prefixes of the stack's repositories that refuse to move a tag."""
    out = []
    for r in resources:
        if (
            r.resource_type == "aws:ecr/repository:Repository"
            and get(r.props, "imageTagMutability") == "IMMUTABLE"
        ):
            out.append(f"{get(r.props, 'repositoryUrl')}:")
        elif r.resource_type == "gcp:artifactregistry/repository:Repository" and get(
            r.props, "dockerConfig.immutableTags"
        ):
            out.append(f"{get(r.props, 'registryUri')}/")
    return tuple(p for p in out if not p.startswith("None"))


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    immutable = immutable_prefixes(resources)
    for r in resources:
        if (
            r.resource_type not in WORKLOAD_TYPES
            or pod_environment(r.resource_type, r.props, config) not in PRODUCTION
        ):
            continue
        for c in containers(pod_spec(r.resource_type, r.props)):
            image = str(c.get("image", ""))
            if "@sha256:" not in image and not image.startswith(immutable or ("\0",)):
                yield f"prod container {c.get('name')!r} of {r.name} runs {image!r}, not a digest", r.urn


RULE = stack_rule(
    RuleMeta(
        id="k8s-image-digest-in-prod",
        description=(
            "Prod workloads must run images by digest (or an immutable tag of this stack's registry)."
        ),
        severity=Severity.HIGH,
        remediation=(
            "Deploy repo/name@sha256:<digest> (e.g. from the build's output), or push to a repository "
            "with immutable tags."
        ),
        frameworks=("iso27001", "pci-dss"),
        topics=("kubernetes", "supply-chain", "production"),
        assumes="outputs",
    ),
    check,
)
