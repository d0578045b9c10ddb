"""Where the pod template lives in each Kubernetes workload type, and its containers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlfleet_policies.props import environment_of, get, items, merged_tags

POD_SPEC_PATHS = {
    "kubernetes:core/v1:Pod": ("spec", "metadata"),
    "kubernetes:apps/v1:Deployment": ("spec.template.spec", "spec.template.metadata"),
    "kubernetes:apps/v1:StatefulSet": ("spec.template.spec", "spec.template.metadata"),
    "kubernetes:apps/v1:DaemonSet": ("spec.template.spec", "spec.template.metadata"),
    "kubernetes:apps/v1:ReplicaSet": ("spec.template.spec", "spec.template.metadata"),
    "kubernetes:core/v1:ReplicationController": ("spec.template.spec", "spec.template.metadata"),
    "kubernetes:batch/v1:Job": ("spec.template.spec", "spec.template.metadata"),
    "kubernetes:batch/v1:CronJob": (
        "spec.jobTemplate.spec.template.spec",
        "spec.jobTemplate.spec.template.metadata",
    ),
}
WORKLOAD_TYPES = tuple(POD_SPEC_PATHS)
LONG_RUNNING = (
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
)


def pod_spec(resource_type: str, props: Any) -> Mapping[str, Any]:
    path = POD_SPEC_PATHS.get(resource_type)
    spec = get(props, path[0], {}) if path else {}
    return spec if isinstance(spec, Mapping) else {}


def pod_labels(resource_type: str, props: Any) -> dict[str, str]:
    path = POD_SPEC_PATHS.get(resource_type)
    labels = get(props, f"{path[1]}.labels", {}) if path else {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {}


def pod_environment(resource_type: str, props: Any, config: Mapping[str, Any]) -> str:
    """The workload's environment: the rule's config, else the object's or its pod template's label."""
    labels = {**pod_labels(resource_type, props), **merged_tags(get(props, "metadata.labels"))}
    return environment_of(labels, config)


def containers(spec: Mapping[str, Any], include_init: bool = True) -> Iterator[Mapping[str, Any]]:
    keys = ("containers", "initContainers", "ephemeralContainers") if include_init else ("containers",)
    for key in keys:
        yield from (c for c in items(spec.get(key)) if isinstance(c, Mapping))


def container_setting(spec: Mapping[str, Any], container: Mapping[str, Any], path: str) -> Any:
    """A securityContext field: the container's value wins over the pod's (as the kubelet resolves it)."""
    value = get(container, f"securityContext.{path}")
    return value if value is not None else get(spec, f"securityContext.{path}")
