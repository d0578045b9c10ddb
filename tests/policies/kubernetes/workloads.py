"""A restricted-compliant Deployment fixture the Kubernetes batteries mutate."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from tests.policies.harness import ROOT, res

DEP = "kubernetes:apps/v1:Deployment"
GOOD_CONTAINER = {
    "name": "app",
    "image": "ghcr.io/o/serving:1.2.3",
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    },
    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
    "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}},
    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
}
GOOD_POD = {
    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [GOOD_CONTAINER],
}


def deployment(
    mutate: Callable[[dict], Any] | None = None,
    *,
    name: str = "web",
    namespace: str = "ml",
    labels: dict[str, str] | None = None,
    replicas: int | None = 2,
    parent: str = ROOT,
    provider: str | None = None,
) -> dict:
    """The compliant Deployment; `mutate(pod_spec)` makes it non-compliant."""
    spec = copy.deepcopy(GOOD_POD)
    if mutate:
        mutate(spec)
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = labels
    dep_spec: dict[str, Any] = {"template": {"metadata": {"labels": {"app": name}}, "spec": spec}}
    if replicas is not None:
        dep_spec["replicas"] = replicas
    return res(DEP, {"metadata": metadata, "spec": dep_spec}, name, parent=parent, provider=provider)


def c0(spec: dict) -> dict:
    return spec["containers"][0]
