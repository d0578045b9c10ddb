"""The Kubernetes objects of a resolved plan, as the API server would hold them after `pulumi up`.

Plan inputs are the objects Pulumi sends (camelCase); names Pulumi generates are in the outputs.
Only what the rehearsal reads is modelled: workloads and their pod templates, Services, Secrets,
ConfigMaps, ServiceAccounts, and the monitoring custom resources.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from mlfleet.rehearse.errors import RehearsalError

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")


@dataclass(frozen=True)
class KubeObject:
    kind: str
    name: str
    namespace: str
    body: dict[str, Any]  # the object as sent (metadata, spec, data, ...)
    resource: str  # the plan resource name (for error messages)

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.body.get("metadata", {}).get("labels") or {})

    @property
    def annotations(self) -> dict[str, str]:
        return dict(self.body.get("metadata", {}).get("annotations") or {})

    @property
    def spec(self) -> dict[str, Any]:
        return dict(self.body.get("spec") or {})

    def where(self, field: str) -> str:
        return f"{self.kind} {self.namespace}/{self.name} (plan resource {self.resource}), field {field}"


def kube_objects(resources: list[dict[str, Any]], default_namespace: str = "default") -> list[KubeObject]:
    """Every Kubernetes object of a resolved plan (`kubernetes:<group>/<version>:<Kind>` types)."""
    found = []
    for resource in resources:
        token = resource["type"]
        if not token.startswith("kubernetes:") or token.startswith("kubernetes:helm"):
            continue
        kind = token.rsplit(":", 1)[-1]
        body = dict(resource.get("inputs") or {})
        meta = dict(body.get("metadata") or {})
        out_meta = (resource.get("outputs") or {}).get("metadata") or {}
        name = meta.get("name") or out_meta.get("name") or resource["name"]
        namespace = meta.get("namespace") or out_meta.get("namespace") or default_namespace
        body["metadata"] = {**meta, "name": name, "namespace": namespace}
        found.append(KubeObject(kind, name, namespace, body, resource["name"]))
    return found


def pod_template(workload: KubeObject) -> tuple[dict[str, Any], dict[str, Any]]:
    """(pod metadata, pod spec) of any workload kind; a CronJob's is its job template's."""
    spec = workload.spec
    if workload.kind == "Pod":
        return dict(workload.body.get("metadata") or {}), spec
    if workload.kind == "CronJob":
        spec = dict(spec.get("jobTemplate", {}).get("spec") or {})
    template = spec.get("template") or {}
    if not template.get("spec"):
        raise RehearsalError(f"{workload.where('spec.template')} has no pod template")
    return dict(template.get("metadata") or {}), dict(template["spec"])


def replicas(workload: KubeObject) -> int:
    if workload.kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        value = workload.spec.get("replicas")
        return 1 if value is None else int(value)
    return 1


def secret_data(secret: KubeObject) -> dict[str, str]:
    """A Secret's or ConfigMap's keys as text: `data` is base64 for Secrets, `stringData` wins."""
    values: dict[str, str] = {}
    for key, value in (secret.body.get("data") or {}).items():
        values[key] = base64.b64decode(value).decode() if secret.kind == "Secret" else str(value)
    for key, value in (secret.body.get("stringData") or {}).items():
        values[key] = str(value)
    return values


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A label selector (matchLabels/matchExpressions, or a Service's plain map) against labels."""
    if not selector:
        return False
    match = (
        selector.get("matchLabels")
        if "matchLabels" in selector or "matchExpressions" in selector
        else selector
    )
    for key, value in (match or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        present = key in labels
        if (
            (op == "In" and labels.get(key) not in values)
            or (op == "NotIn" and labels.get(key) in values)
            or (op == "Exists" and not present)
            or (op == "DoesNotExist" and present)
        ):
            return False
    return True


class Objects:
    """Lookups over one plan's objects."""

    def __init__(self, objects: list[KubeObject]) -> None:
        self.all = objects

    def of_kind(self, *kinds: str) -> list[KubeObject]:
        return [o for o in self.all if o.kind in kinds]

    def get(self, kind: str, namespace: str, name: str) -> KubeObject | None:
        return next((o for o in self.all if (o.kind, o.namespace, o.name) == (kind, namespace, name)), None)

    def workloads(self) -> list[KubeObject]:
        return self.of_kind(*WORKLOAD_KINDS)
