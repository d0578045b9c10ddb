"""Battery for the Kubernetes serving and network rules (public LB TLS, NetworkPolicy, prod replicas/PDB)."""

import pytest

from tests.policies.battery import run_battery
from tests.policies.harness import Case, res
from tests.policies.kubernetes.workloads import deployment

SVC = "kubernetes:core/v1:Service"
PROD = {"environment": "prod", "app.kubernetes.io/component": "serving"}
DEV = {**PROD, "environment": "dev"}


def service(ports: list[int], annotations: dict[str, str] | None = None, name: str = "lb") -> dict:
    metadata = {"name": name, "namespace": "ml", "annotations": annotations or {}}
    spec = {"type": "LoadBalancer", "ports": [{"port": p} for p in ports]}
    return res(SVC, {"metadata": metadata, "spec": spec}, name)


def network_policy(namespace: str = "ml") -> dict:
    return res(
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        {"metadata": {"name": "default-deny", "namespace": namespace}, "spec": {"podSelector": {}}},
        f"np-{namespace}",
    )


def pdb(app: str) -> dict:
    return res(
        "kubernetes:policy/v1:PodDisruptionBudget",
        {
            "metadata": {"name": app, "namespace": "ml"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": app}}},
        },
        f"pdb-{app}",
    )


CASES = [
    Case(
        "k8s-no-public-lb-without-tls",
        [
            service([443], {"service.beta.kubernetes.io/aws-load-balancer-ssl-cert": "arn:acm"}),
            service([80, 8080], {"networking.gke.io/load-balancer-type": "Internal"}, "internal"),
        ],
        [service([80, 443])],
        "public LoadBalancer exposes non-TLS port(s) 80",
    ),
    Case(
        "k8s-network-policy-per-namespace",
        [deployment(), network_policy()],
        [deployment(), network_policy("other")],
        "namespace 'ml' runs workloads but has no NetworkPolicy",
    ),
    Case(
        "k8s-serving-replicas-in-prod",
        [deployment(name="model", labels=PROD), deployment(name="dev-model", labels=DEV, replicas=None)],
        [deployment(name="model", labels=PROD, replicas=None)],
        "runs 1 replica(s) in prod",
    ),
    Case(
        "k8s-serving-pdb-in-prod",
        [deployment(name="model", labels=PROD), pdb("model")],
        [deployment(name="model", labels=PROD), pdb("other")],
        "serving Deployment 'model' has no PodDisruptionBudget",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_battery(pack, case: Case) -> None:
    run_battery(pack, case)
