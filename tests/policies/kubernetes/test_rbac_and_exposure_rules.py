"""Battery for the Kubernetes RBAC, service-account, secret, exposure and prod-image rules, and every
workload kind under the pod rules."""

import copy

import pytest

from tests.policies.battery import run_battery, violations
from tests.policies.harness import Case, plan, res
from tests.policies.kubernetes.workloads import GOOD_POD, c0, deployment

RBAC = "kubernetes:rbac.authorization.k8s.io/v1"
SVC = "kubernetes:core/v1:Service"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
SA = "kubernetes:core/v1:ServiceAccount"
PROD = {"environment": "prod"}


def role(rules: list[dict], kind: str = "ClusterRole", name: str = "reader") -> dict:
    return res(f"{RBAC}:{kind}", {"metadata": {"name": name, "namespace": "ml"}, "rules": rules}, name)


def binding(role_name: str, subjects: list[dict], kind: str = "ClusterRoleBinding", name: str = "b") -> dict:
    ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role_name}
    return res(f"{RBAC}:{kind}", {"metadata": {"name": name}, "roleRef": ref, "subjects": subjects}, name)


READER = {"apiGroups": [""], "resources": ["pods", "configmaps"], "verbs": ["get", "list"]}
OWN_SA = {"kind": "ServiceAccount", "name": "serving", "namespace": "ml"}
DEFAULT_SA = {"kind": "ServiceAccount", "name": "default", "namespace": "ml"}


def service(spec: dict, name: str = "svc") -> dict:
    return res(SVC, {"metadata": {"name": name, "namespace": "ml"}, "spec": spec}, name)


def ingress(spec_extra: dict | None = None, annotations: dict | None = None, name: str = "web") -> dict:
    rule = {"host": "m.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix"}]}}
    metadata = {"name": name, "namespace": "ml", "annotations": annotations or {}}
    return res(INGRESS, {"metadata": metadata, "spec": {"rules": [rule], **(spec_extra or {})}}, name)


def service_account(name: str, automount: bool | None) -> dict:
    inputs: dict = {"metadata": {"name": name, "namespace": "ml"}}
    if automount is not None:
        inputs["automountServiceAccountToken"] = automount
    return res(SA, inputs, f"sa-{name}")


def with_account(name: str | None, automount: bool | None = None):
    def mutate(spec: dict) -> None:
        if name:
            spec["serviceAccountName"] = name
        if automount is not None:
            spec["automountServiceAccountToken"] = automount

    return mutate


ECR = res(
    "aws:ecr/repository:Repository",
    {"name": "serving", "imageTagMutability": "IMMUTABLE"},
    "ecr",
    {"repositoryUrl": "1.dkr.ecr.us-east-1.amazonaws.com/serving"},
)
DIGEST = "ghcr.io/o/serving@sha256:" + "a" * 64


def image(ref: str):
    return lambda s: c0(s).update(image=ref)


CASES = [
    Case(
        "k8s-rbac-no-cluster-admin-binding",
        [binding("reader", [OWN_SA])],
        [binding("cluster-admin", [{"kind": "Group", "name": "devs"}])],
        "grants cluster-admin to Group devs",
        variants=[
            ([binding("cluster-admin", [OWN_SA], "RoleBinding")], "RoleBinding 'b' grants cluster-admin")
        ],
    ),
    Case(
        "k8s-rbac-no-wildcard-verbs",
        [role([READER])],
        [role([{**READER, "verbs": ["*"]}])],
        "ClusterRole 'reader' grants every verb ('*') on pods, configmaps",
        variants=[([role([{**READER, "verbs": ["*"]}], "Role")], "Role 'reader' grants every verb")],
    ),
    Case(
        "k8s-rbac-no-wildcard-resources",
        [role([READER])],
        [role([{**READER, "resources": ["*"]}])],
        "grants access to every resource (*)",
    ),
    Case(
        "k8s-rbac-no-escalation-verbs",
        [role([READER])],
        [
            role(
                [
                    {
                        "apiGroups": ["rbac.authorization.k8s.io"],
                        "resources": ["clusterroles"],
                        "verbs": ["bind"],
                    }
                ]
            )
        ],
        "grants 'bind' on clusterroles",
        variants=[
            (
                [role([{"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"]}])],
                "'impersonate'",
            ),
            ([role([{"apiGroups": ["*"], "resources": ["roles"], "verbs": ["escalate"]}])], "'escalate'"),
        ],
    ),
    Case(
        "k8s-rbac-no-secrets-read",
        [
            role([READER]),
            role([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["k"]}]),
        ],
        [role([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "create"]}])],
        "can read Secrets (get, list)",
        variants=[([role([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["watch"]}])], "(watch)")],
    ),
    Case(
        "k8s-rbac-no-default-service-account-binding",
        [binding("reader", [OWN_SA])],
        [binding("reader", [DEFAULT_SA], "RoleBinding")],
        "grants reader to the default ServiceAccount of 'ml'",
    ),
    Case(
        "k8s-no-secret-env-literals",
        [
            deployment(
                lambda s: c0(s).update(
                    env=[
                        {"name": "API_KEYS_FILE", "value": "/etc/keys/api"},
                        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
                        {"name": "LOG_LEVEL", "value": "info"},
                    ]
                )
            )
        ],
        [deployment(lambda s: c0(s).update(env=[{"name": "DB_PASSWORD", "value": "hunter2"}]))],
        "sets DB_PASSWORD as a literal value",
        variants=[
            ([deployment(lambda s: c0(s).update(env=[{"name": "api_key", "value": "k"}]))], "sets api_key"),
            ([deployment(lambda s: c0(s).update(env=[{"name": "GH_TOKEN", "value": "t"}]))], "GH_TOKEN"),
        ],
    ),
    Case(
        "k8s-no-added-capabilities",
        [deployment(lambda s: c0(s)["securityContext"]["capabilities"].update(add=["NET_BIND_SERVICE"]))],
        [deployment(lambda s: c0(s)["securityContext"]["capabilities"].update(add=["SYS_ADMIN"]))],
        "adds capabilities SYS_ADMIN",
    ),
    Case(
        "k8s-no-host-ports",
        [deployment(lambda s: c0(s).update(ports=[{"containerPort": 8080}]))],
        [deployment(lambda s: c0(s).update(ports=[{"containerPort": 8080, "hostPort": 8080}]))],
        "binds hostPort 8080",
    ),
    Case(
        "k8s-no-service-account-token-automount",
        [
            deployment(with_account("serving")),
            service_account("serving", False),
            deployment(with_account("made-elsewhere"), name="other"),
            deployment(with_account("api", True), name="operator"),
            service_account("api", False),
        ],
        [deployment(with_account(None))],
        "web mounts the API token of ServiceAccount 'default'",
        variants=[
            (
                [deployment(with_account("serving")), service_account("serving", None)],
                "ServiceAccount 'serving'",
            ),
        ],
    ),
    Case(
        "k8s-no-node-port",
        [service({"type": "ClusterIP", "ports": [{"port": 80}]})],
        [service({"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]})],
        "Service 'svc' is of type NodePort",
    ),
    Case(
        "k8s-no-external-ips",
        [service({"type": "ClusterIP", "ports": [{"port": 80}]})],
        [service({"type": "ClusterIP", "externalIPs": ["203.0.113.7"]})],
        "claims externalIPs 203.0.113.7",
    ),
    Case(
        "k8s-ingress-tls",
        [
            ingress({"tls": [{"hosts": ["m.example.com"], "secretName": "m-tls"}]}),
            ingress(annotations={"alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS": 443}]'}, name="alb"),
            ingress(annotations={"networking.gke.io/managed-certificates": "m-cert"}, name="gke"),
        ],
        [ingress()],
        "Ingress 'web' serves plain HTTP",
        variants=[
            (
                [
                    ingress(
                        annotations={
                            "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]'
                        }
                    )
                ],
                "serves plain HTTP",
            )
        ],
    ),
    Case(
        "k8s-image-digest-in-prod",
        [
            deployment(image(DIGEST), labels=PROD),
            deployment(image("1.dkr.ecr.us-east-1.amazonaws.com/serving:0.1.0"), labels=PROD, name="ecr"),
            ECR,
            deployment(name="dev"),
        ],
        [deployment(labels=PROD)],
        "prod container 'app' of web runs 'ghcr.io/o/serving:1.2.3', not a digest",
        variants=[
            # a tag of the same repository, but the repository (not in this stack) may move it
            (
                [deployment(image("1.dkr.ecr.us-east-1.amazonaws.com/serving:0.1.0"), labels=PROD)],
                "not a digest",
            ),
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_battery(pack, case: Case) -> None:
    run_battery(pack, case)


def test_environment_setting_makes_a_workload_prod(pack) -> None:
    """An unlabelled workload is judged as prod when the rule's `environment` setting says so."""
    case = CASES[-1]
    config = {case.rule: {"enforcementLevel": "mandatory", "environment": "prod"}}
    assert violations(pack, case, [deployment()], config)


WORKLOADS = {
    "kubernetes:core/v1:Pod": lambda pod: {"spec": pod},
    "kubernetes:core/v1:ReplicationController": lambda pod: {"spec": {"template": {"spec": pod}}},
    "kubernetes:apps/v1:ReplicaSet": lambda pod: {"spec": {"template": {"spec": pod}}},
    "kubernetes:apps/v1:StatefulSet": lambda pod: {"spec": {"template": {"spec": pod}}},
    "kubernetes:apps/v1:DaemonSet": lambda pod: {"spec": {"template": {"spec": pod}}},
    "kubernetes:apps/v1:Deployment": lambda pod: {"spec": {"template": {"spec": pod}}},
    "kubernetes:batch/v1:Job": lambda pod: {"spec": {"template": {"spec": pod}}},
    "kubernetes:batch/v1:CronJob": lambda pod: {
        "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {"spec": pod}}}}
    },
}


@pytest.mark.parametrize("kind", WORKLOADS, ids=lambda k: k.rsplit(":", 1)[-1])
def test_every_workload_kind_is_under_the_pod_rules(pack, kind: str) -> None:
    """A privileged, root, host-network pod is caught whatever object carries it; a good one is not."""
    good = copy.deepcopy(GOOD_POD)
    bad = copy.deepcopy(GOOD_POD)
    bad.update(hostNetwork=True, securityContext={})
    c0(bad)["securityContext"] = {"privileged": True}
    metadata = {"name": "w", "namespace": "ml"}
    result = pack.check(
        plan(
            res(kind, {"metadata": metadata, **WORKLOADS[kind](good)}, "good"),
            res(kind, {"metadata": metadata, **WORKLOADS[kind](bad)}, "bad"),
        ),
        {},
    )
    by_resource: dict[str, set[str]] = {}
    for v in result.violations:
        by_resource.setdefault(v.urn.rsplit("::", 1)[-1], set()).add(v.rule)
    expected = {"k8s-no-privileged", "k8s-run-as-non-root", "k8s-no-host-namespaces", "k8s-seccomp"}
    assert expected <= by_resource.get("bad", set())
    assert not expected & by_resource.get("good", set())
