"""Every Kubernetes object any stack creates is valid against the Kubernetes 1.31 schema (strict),
rebuilt from the plan's captured inputs (camelCase wire names, apiVersion/kind included)."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from mlfleet.engine.harness import preview_stack

K8S_VERSION = "1.31.0"
STACKS = ("local", "dev", "staging", "prod", "gcp-dev", "azure-dev")
# Custom resources (schemas come with their CRDs) and Helm releases are not core objects.
SECRET = "4dabf18193072939515e22adb298388d"
NOT_CORE = (
    "kubernetes:helm.sh/",
    "kubernetes:monitoring.coreos.com/",
    "kubernetes:karpenter.sh/",
    "kubernetes:karpenter.k8s.aws/",
    # checked against their CRDs' schemas in tests/unit/components/addons/test_chart_values.py
    "kubernetes:cert-manager.io/",
    "kubernetes:networking.gke.io/",
    # GKE's BackendConfig: tests/unit/components/kubernetes/test_serving_grpc.py
    "kubernetes:cloud.google.com/",
    "pulumi:providers:",
)


def manifests(stack: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for resource in preview_stack(stack).resources:
        token = resource["type"]
        if token.startswith("kubernetes:") and not token.startswith(NOT_CORE):
            found.append((resource["name"], _plain(resource["inputs"])))
    return found


def _plain(value: Any) -> Any:
    """Plans carry secrets as markers with no value: drop those fields (their shape is unknown)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not (isinstance(v, dict) and SECRET in v)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.mark.parametrize("stack", STACKS)
def test_every_kubernetes_object_is_schema_valid(stack: str) -> None:
    found = manifests(stack)
    assert found, f"stack {stack} creates no Kubernetes objects"
    for name, manifest in found:
        assert {"apiVersion", "kind"} <= manifest.keys(), name
        try:
            kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{stack}: {manifest['kind']} {name}: {exc.message} at {list(exc.path)}")


def test_validator_rejects_a_misspelled_field() -> None:
    _, manifest = next(m for m in manifests("local") if m[1]["kind"] == "Deployment")
    broken = {**manifest, "spec": {**manifest["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)
