"""The ServiceAccount a workload runs as, bound to its cloud identity through annotations."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s


def workload_service_account(
    name: str,
    *,
    account_name: str,
    namespace: str,
    labels: Mapping[str, str],
    annotations: Mapping[str, pulumi.Input[str]],
    opts: pulumi.ResourceOptions,
) -> k8s.core.v1.ServiceAccount:
    """IRSA / GKE Workload Identity / Azure Workload Identity annotations, no automounted token
    (pods that need the API mount a projected token explicitly)."""
    return k8s.core.v1.ServiceAccount(
        f"{name}-sa",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=account_name,
            namespace=namespace,
            labels=dict(labels),
            annotations=dict(annotations) or None,
        ),
        automount_service_account_token=False,
        opts=opts,
    )
