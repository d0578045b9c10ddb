"""Bring your own cluster: mlfleet creates only namespaces, quotas and limit ranges on it."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.context import PlatformContext
from components.kubernetes.namespaces import DEFAULT_NAMESPACES, WorkloadNamespaces
from components.target import CloudTarget


class ExistingCluster(pulumi.ComponentResource):
    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    oidc_issuer: pulumi.Output[str] | None
    k8s_provider: k8s.Provider
    namespaces: WorkloadNamespaces

    def __init__(
        self,
        name: str,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:kubernetes:TrainingCluster", name, None, opts)
        if not isinstance(target.provider, k8s.Provider):
            raise TypeError("ExistingCluster needs the stack's kubernetes provider (cloud: kubernetes)")
        self.k8s_provider = target.provider
        self.namespaces = WorkloadNamespaces(
            f"{name}-ns",
            DEFAULT_NAMESPACES,
            self.k8s_provider,
            context.tags(),
            pulumi.ResourceOptions(parent=self),
        )
        self.cluster_name = pulumi.Output.from_input(target.region)
        # The kubeconfig stays where it is (~/.kube/config or kubernetes:kubeconfig); not re-exported.
        self.kubeconfig = pulumi.Output.secret("")
        self.oidc_issuer = None
        self.register_outputs({"cluster_name": self.cluster_name})
