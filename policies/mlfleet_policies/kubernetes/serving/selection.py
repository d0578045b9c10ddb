"""Which workloads are model servers: the standard component label, or `serving` in the name."""

from __future__ import annotations

from typing import Any

from mlfleet_policies.props import get, mapping

SERVING_COMPONENTS = {"serving", "inference", "model-server"}


def is_serving(resource_type: str, props: Any) -> bool:
    if resource_type != "kubernetes:apps/v1:Deployment":
        return False
    # Label keys contain dots: look them up directly, not with get()'s dotted paths.
    component = str(mapping(get(props, "metadata.labels")).get("app.kubernetes.io/component", ""))
    return component in SERVING_COMPONENTS or "serving" in str(get(props, "metadata.name", ""))
