"""Images are pinned: a digest, or an explicit tag that is not 'latest'."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, containers, pod_spec
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    name = image.rsplit("/", 1)[-1]
    return ":" in name and not name.endswith(":latest")


def check(r: Resource) -> Iterator[str]:
    for c in containers(pod_spec(r.type, r.props)):
        image = str(c.get("image", ""))
        if not pinned(image):
            yield f"container {c.get('name')!r} image {image!r} is not pinned to a tag or digest"


RULE = resource_rule(
    RuleMeta(
        id="k8s-image-pinned",
        description="Container images must be pinned to a version tag or digest.",
        severity=Severity.MEDIUM,
        remediation="Use image: repo/name:1.2.3 or repo/name@sha256:<digest>; never ':latest' or no tag.",
        frameworks=("iso27001",),
        topics=("kubernetes", "pod-security", "supply-chain"),
    ),
    WORKLOAD_TYPES,
    check,
)
