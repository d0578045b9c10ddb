"""The mlfleet namespaces with Pod Security labels, a ResourceQuota and a LimitRange each.

On a bring-your-own cluster this is all mlfleet creates at the cluster level; managed clusters
(EKS, GKE, AKS) get the same namespaces on top of the cluster itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class NamespaceQuota:
    cpu: str
    memory: str
    gpus: int = 0
    pods: int = 50
    # Pod Security admission level: `restricted` unless the namespace runs node agents.
    pod_security: str = "restricted"


DEFAULT_NAMESPACES: dict[str, NamespaceQuota] = {
    # Serving, training and registry sync share one namespace: the workload identities trust
    # service accounts there (components/identities.py).
    "mlfleet": NamespaceQuota(cpu="96", memory="320Gi", gpus=8, pods=80),
    # node-exporter needs host namespaces: privileged, but quota-bound like the rest.
    "monitoring": NamespaceQuota(cpu="16", memory="64Gi", pods=100, pod_security="privileged"),
}


class WorkloadNamespaces(pulumi.ComponentResource):
    names: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        namespaces: Mapping[str, NamespaceQuota],
        provider: k8s.Provider,
        labels: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:kubernetes:WorkloadNamespaces", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        self.names = {}
        for namespace, quota in namespaces.items():
            created = k8s.core.v1.Namespace(
                f"{name}-{namespace}",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=namespace,
                    labels={
                        **labels,
                        "pod-security.kubernetes.io/enforce": quota.pod_security,
                        "pod-security.kubernetes.io/warn": "restricted",
                    },
                ),
                opts=child,
            )
            in_namespace = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[created])
            meta = k8s.meta.v1.ObjectMetaArgs(name="mlfleet", namespace=namespace, labels=dict(labels))
            hard = {
                "requests.cpu": quota.cpu,
                "requests.memory": quota.memory,
                "limits.memory": quota.memory,
                "pods": str(quota.pods),
                "requests.nvidia.com/gpu": str(quota.gpus),
            }
            k8s.core.v1.ResourceQuota(
                f"{name}-{namespace}-quota",
                metadata=meta,
                spec=k8s.core.v1.ResourceQuotaSpecArgs(hard=hard),
                opts=in_namespace,
            )
            # Defaults for containers that state no resources (a quota rejects them otherwise).
            k8s.core.v1.LimitRange(
                f"{name}-{namespace}-limits",
                metadata=meta,
                spec=k8s.core.v1.LimitRangeSpecArgs(
                    limits=[
                        k8s.core.v1.LimitRangeItemArgs(
                            type="Container",
                            default={"cpu": "500m", "memory": "512Mi"},
                            default_request={"cpu": "100m", "memory": "128Mi"},
                            max={"memory": quota.memory},
                        )
                    ]
                ),
                opts=in_namespace,
            )
            self.names[namespace] = created.metadata.name
        self.register_outputs({"names": self.names})
