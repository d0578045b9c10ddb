"""Secrets are not written into the manifest as literal env values (they end up in the state, in `kubectl
get -o yaml` and in every diff)."""

import re
from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, containers, pod_spec
from mlfleet_policies.props import items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.I)
NOT_A_VALUE = re.compile(r"_(FILE|PATH|DIR|NAME|URL|HEADER|ID)$", re.I)


def check(r: Resource) -> Iterator[str]:
    for c in containers(pod_spec(r.type, r.props)):
        for env in items(c.get("env")):
            name, value = str(env.get("name", "")), env.get("value")
            if value and SECRET_NAME.search(name) and not NOT_A_VALUE.search(name):
                yield f"container {c.get('name')!r} sets {name} as a literal value, not from a Secret"


RULE = resource_rule(
    RuleMeta(
        id="k8s-no-secret-env-literals",
        description=(
            "Secrets must come from Secrets (valueFrom/envFrom or a mounted file), not literal env values."
        ),
        severity=Severity.HIGH,
        remediation=(
            "Put the value in a Secret (a Pulumi secret) and reference it with "
            "env[].valueFrom.secretKeyRef, or mount it as a file."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("kubernetes", "secrets"),
    ),
    WORKLOAD_TYPES,
    check,
)
