"""One way to install a pinned chart: `helm.v3.Release` (an ordinary resource, so the chart, its
version, repository and values are in the plan), atomic with cleanup on failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class PinnedChart:
    chart: str
    version: str
    repository: str
    namespace: str
    # Helm creates the namespace (one the platform does not create itself).
    create_namespace: bool = False

    def release(
        self,
        name: str,
        values: pulumi.Input[dict[str, Any]],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> k8s.helm.v3.Release:
        """The release, named after its chart; `opts` carries the parent and what it waits for."""
        return k8s.helm.v3.Release(
            name,
            name=self.chart,
            chart=self.chart,
            version=self.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=self.repository),
            namespace=self.namespace,
            # Unset (not false) otherwise, so releases into existing namespaces keep their plans.
            create_namespace=True if self.create_namespace else None,
            atomic=True,
            cleanup_on_fail=True,
            values=values,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(provider=provider)),
        )
