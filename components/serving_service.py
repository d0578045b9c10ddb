"""ServingService: the FastAPI model server on any mlfleet cluster (EKS, GKE, AKS or your own).

The workload is plain Kubernetes on every cloud; only the Ingress flavor (controller, TLS, who may
send traffic) differs, so one ComponentResource serves all four targets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import pulumi

from components.errors import ComponentArgumentError

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s

    from components.context import Cloud

# An image is immutable when pinned by digest, or by a tag that is not a moving one.
_DIGEST = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")
_TAG = re.compile(r"^[^@\s]+:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$")
_MOVING_TAGS = {"latest", "main", "master", "stable", "edge", "dev", "nightly"}
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$")


def check_pinned_image(component: str, argument: str, image: str) -> None:
    """Reject images that can change under a running deployment (no tag, or a moving tag)."""
    if _DIGEST.match(image):
        return
    tag = _TAG.match(image.rsplit("/", 1)[-1] if "/" in image else image)
    if tag is None or tag.group(1) in _MOVING_TAGS:
        raise ComponentArgumentError(
            component,
            argument,
            f"is {image!r}, which is not pinned by digest or immutable tag",
            "use <repo>@sha256:<digest> or an immutable version tag such as <repo>:1.4.2",
        )


@dataclass(frozen=True)
class ServingServiceArgs:
    # A string is checked for pinning here; an Output (registry URL + tag) is checked by the caller.
    image: pulumi.Input[str]
    model: str
    registry_url: pulumi.Input[str]
    hostname: str
    alias: str = "production"
    # Names the Ingress also routes (TLS hosts and rules, same backend): behind a front door, the global
    # hostname every cell serves. External DNS for them is not this block's (ServingEdge).
    shared_hostnames: tuple[str, ...] = ()
    namespace: str = "mlfleet"
    # Defaults to the block name; must match the workload identity's service account.
    service_account: str | None = None
    min_replicas: int = 2
    max_replicas: int = 10
    target_cpu_percent: int = 70
    cpu: str = "500m"
    memory: str = "1Gi"
    # ServiceAccount annotations that bind the pods to the read-only cloud identity.
    service_account_annotations: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Extra environment (e.g. the local object store's endpoint) and a Secret to import as env.
    env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    env_secret: pulumi.Input[str] | None = None
    # Labels on the pod template only (e.g. azure.workload.identity/use for the identity webhook).
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    monitoring_namespace: str = "monitoring"
    # cert-manager ClusterIssuer that fills the TLS secret (clouds that terminate TLS themselves ignore it).
    tls_cluster_issuer: str | None = None
    # What the stack's serving edge asks the Ingress to carry (ACM certificate ARN, GKE managed
    # certificate) and what the Ingress waits for (its controller, the certificate): ServingEdge.
    ingress_annotations: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    ingress_depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)
    # Name of the API key the block provisions (the principal `key:<name>` in the server's logs).
    api_key_name: str = "stack"
    # Rollouts, as the server takes them (MLFLEET_CANARY_ALIAS/WEIGHT, MLFLEET_SHADOW_ALIAS): a share
    # of requests served from the canary alias, and an alias scored in the shadow of every request.
    canary_alias: str | None = None
    canary_weight: float = 0.0
    shadow_alias: str | None = None
    # The cluster's network block (TrainingClusterArgs.network_cidr): on AWS the load balancer's
    # targets are pod IPs reached from the VPC, and the serving NetworkPolicy admits that block.
    network_cidr: str | None = None
    # Readiness goes false after this long without reading the alias (0: never; behind a front door).
    alias_max_age_seconds: int = 0

    def __post_init__(self) -> None:
        name = "ServingService"
        if isinstance(self.image, str):
            check_pinned_image(name, "image", self.image)
        for where, host in (
            ("hostname", self.hostname),
            *(("shared_hostnames", h) for h in self.shared_hostnames),
        ):
            if not _HOSTNAME.match(host):
                raise ComponentArgumentError(
                    name, where, f"is {host!r}, not a DNS name", "use e.g. serving.dev.example.com"
                )
        if not 1 <= self.min_replicas <= self.max_replicas:
            raise ComponentArgumentError(
                name,
                "min_replicas",
                f"is {self.min_replicas} with max_replicas {self.max_replicas}",
                "use 1 <= min_replicas <= max_replicas (2 or more keeps serving up during node drains)",
            )
        if not 1 <= self.target_cpu_percent <= 100:
            raise ComponentArgumentError(
                name, "target_cpu_percent", f"is {self.target_cpu_percent}", "use a percentage 1..100"
            )
        self._check_rollouts(name)
        for argument, value in (("cpu", self.cpu), ("memory", self.memory)):
            if not _QUANTITY.match(value):
                raise ComponentArgumentError(
                    name, argument, f"is {value!r}, not a Kubernetes quantity", "use e.g. 500m or 1Gi"
                )

    def _check_rollouts(self, name: str) -> None:
        if not 0.0 <= self.canary_weight <= 1.0:
            raise ComponentArgumentError(
                name, "canary_weight", f"is {self.canary_weight}", "use a share of requests in 0..1"
            )
        if self.canary_weight > 0 and self.canary_alias is None:
            raise ComponentArgumentError(
                name, "canary_weight", f"is {self.canary_weight} with no canary_alias", "set canary_alias too"
            )
        for argument, alias in (("canary_alias", self.canary_alias), ("shadow_alias", self.shadow_alias)):
            if alias is not None and alias == self.alias:
                raise ComponentArgumentError(
                    name, argument, f"is {alias!r}, the served alias", "use another alias (e.g. candidate)"
                )


class ServingService(Protocol):
    """What every cloud's serving service provides."""

    endpoint_hostname: pulumi.Output[str]
    namespace: pulumi.Output[str]
    service_name: pulumi.Output[str]
    # The provisioned API key (a Pulumi secret; only its sha256 entry reaches the cluster).
    api_key: pulumi.Output[str]


def serving_service(
    name: str,
    args: ServingServiceArgs,
    cloud: Cloud,
    provider: k8s.Provider,
    labels: Mapping[str, str],
    opts: pulumi.ResourceOptions | None = None,
) -> ServingService:
    from components.kubernetes.ingress_flavor import ingress_flavor
    from components.kubernetes.serving_service import KubernetesServingService
    from components.training_cluster import DEFAULT_NETWORK_CIDR

    network = args.network_cidr or DEFAULT_NETWORK_CIDR
    return KubernetesServingService(name, args, ingress_flavor(cloud, network), provider, labels, opts)
