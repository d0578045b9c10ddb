"""Pods do not mount a ServiceAccount token they do not need: the pod spec or its ServiceAccount sets
automountServiceAccountToken: false.

A stack rule, because the answer depends on the ServiceAccount: a pod that says nothing inherits its
account's setting (a pod that sets it, either way, has decided). The `default` account (or an account in
this stack that says nothing) mounts the token; an account not in this stack is not guessed about."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, pod_spec
from mlfleet_policies.props import get
from mlfleet_policies.rule import RuleMeta, stack_rule

SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    accounts = {
        (get(r.props, "metadata.namespace") or "default", get(r.props, "metadata.name") or r.name): r
        for r in resources
        if r.resource_type == SERVICE_ACCOUNT
    }
    for r in resources:
        if r.resource_type not in WORKLOAD_TYPES:
            continue
        spec = pod_spec(r.resource_type, r.props)
        if spec.get("automountServiceAccountToken") is not None:
            continue  # the pod decides explicitly (true: it calls the API server)
        name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        account = accounts.get((get(r.props, "metadata.namespace") or "default", name))
        if account is None and name != "default":
            continue  # an account made elsewhere: its setting is unknown here
        if account is None or get(account.props, "automountServiceAccountToken") is not False:
            yield (
                f"{r.name} mounts the API token of ServiceAccount {name!r} (automountServiceAccountToken)",
                r.urn,
            )


RULE = stack_rule(
    RuleMeta(
        id="k8s-no-service-account-token-automount",
        description="Pods must not mount a ServiceAccount token unless they call the API server.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set automountServiceAccountToken: false on the ServiceAccount (or the pod spec); pods that "
            "call the API server opt in explicitly."
        ),
        frameworks=("cis", "iso27001"),
        topics=("kubernetes", "service-accounts"),
        assumes="outputs",
    ),
    check,
)
