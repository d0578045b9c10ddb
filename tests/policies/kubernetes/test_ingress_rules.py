"""Battery for the Ingress stack rules: a class with a controller, a TLS Secret that something issues."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlfleet.engine.preview import run_preview
from mlfleet.policycheck.pack_config import load_config
from tests.policies.battery import run_battery, violations
from tests.policies.harness import Case, res

REPO = Path(__file__).resolve().parents[3]

INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
RELEASE = "kubernetes:helm.sh/v3:Release"
GKE = "gcp:container/cluster:Cluster"
AKS = "azure-native:containerservice:ManagedCluster"


def k8s_provider(name: str, cluster: dict | None = None) -> dict:
    deps = {"kubeconfig": [cluster["urn"]]} if cluster else None
    return res("pulumi:providers:kubernetes", {}, name, deps=deps)


def ref(provider: dict) -> str:
    return f"{provider['urn']}::{provider['name']}-id"


EKS_K8S = k8s_provider("eks")
OTHER_K8S = k8s_provider("other")
GKE_CLUSTER = res(GKE, {"name": "gke"}, "gke")
GKE_K8S = k8s_provider("gke", GKE_CLUSTER)
GKE_NO_LB = res(GKE, {"name": "gke2", "addonsConfig": {"httpLoadBalancing": {"disabled": True}}}, "gke2")
GKE_NO_LB_K8S = k8s_provider("gke2", GKE_NO_LB)
AKS_CLUSTER = res(AKS, {"ingressProfile": {"webAppRouting": {"enabled": True}}}, "aks")
AKS_K8S = k8s_provider("aks", AKS_CLUSTER)


def ingress(
    provider: dict,
    class_name: str | None = "alb",
    annotations: dict | None = None,
    secret: str | None = None,
    name: str = "serving",
) -> dict:
    spec: dict = {"rules": [{"host": "serving.example.com"}]}
    if class_name:
        spec["ingressClassName"] = class_name
    if secret:
        spec["tls"] = [{"hosts": ["serving.example.com"], "secretName": secret}]
    metadata = {"name": name, "namespace": "ml", "annotations": annotations or {}}
    return res(
        INGRESS, {"metadata": metadata, "spec": spec}, f"{name}-{provider['name']}", provider=ref(provider)
    )


def release(provider: dict, chart: str, values: dict | None = None, name: str = "controller") -> dict:
    inputs = {"chart": chart, "version": "1.0.0", "namespace": "kube-system", "values": values or {}}
    return res(RELEASE, inputs, f"{name}-{provider['name']}", provider=ref(provider))


def k8s(provider: dict, token: str, metadata: dict, spec: dict | None = None, name: str = "obj") -> dict:
    inputs = {"metadata": metadata, **({"spec": spec} if spec is not None else {})}
    return res(f"kubernetes:{token}", inputs, f"{name}-{provider['name']}", provider=ref(provider))


ALB = release(EKS_K8S, "aws-load-balancer-controller")
NGINX_ELSEWHERE = release(OTHER_K8S, "ingress-nginx")
ISSUER = k8s(AKS_K8S, "cert-manager.io/v1:ClusterIssuer", {"name": "letsencrypt"}, {"acme": {}}, "issuer")

CASES = [
    Case(
        "k8s-ingress-class-has-controller",
        [
            EKS_K8S,
            OTHER_K8S,
            GKE_CLUSTER,
            GKE_K8S,
            AKS_CLUSTER,
            AKS_K8S,
            ALB,
            NGINX_ELSEWHERE,
            ingress(EKS_K8S),
            ingress(GKE_K8S, "gce"),
            ingress(GKE_K8S, "gce-internal", name="internal"),
            ingress(AKS_K8S, "webapprouting.kubernetes.azure.com"),
            ingress(OTHER_K8S, "nginx"),
            # A chart's class from its values; an IngressClass of a known controller.
            release(
                OTHER_K8S, "ingress-nginx", {"controller": {"ingressClassResource": {"name": "public"}}}, "n2"
            ),
            ingress(OTHER_K8S, "public", name="public"),
            k8s(
                OTHER_K8S,
                "networking.k8s.io/v1:IngressClass",
                {"name": "lb"},
                {"controller": "ingress.k8s.aws/alb"},
            ),
            ingress(OTHER_K8S, None, {"kubernetes.io/ingress.class": "lb"}, name="legacy"),
        ],
        [EKS_K8S, OTHER_K8S, NGINX_ELSEWHERE, ingress(EKS_K8S, "nginx")],
        "uses class 'nginx', but no controller for it is in the stack on its cluster",
        variants=[
            # The controller is in the stack, but on another cluster.
            (
                [
                    EKS_K8S,
                    OTHER_K8S,
                    release(OTHER_K8S, "eks/aws-load-balancer-controller"),
                    ingress(EKS_K8S),
                ],
                "'alb'",
            ),
            # GKE's controller is off when HTTP load balancing is disabled; `gce` means nothing on AKS.
            ([GKE_NO_LB, GKE_NO_LB_K8S, ingress(GKE_NO_LB_K8S, "gce")], "'gce'"),
            ([AKS_CLUSTER, AKS_K8S, ingress(AKS_K8S, "gce")], "'gce'"),
            # The legacy annotation names a class too.
            ([EKS_K8S, ingress(EKS_K8S, None, {"kubernetes.io/ingress.class": "traefik"})], "'traefik'"),
            # An IngressClass with an unknown controller is not a controller.
            (
                [
                    OTHER_K8S,
                    k8s(
                        OTHER_K8S,
                        "networking.k8s.io/v1:IngressClass",
                        {"name": "x"},
                        {"controller": "example.com/x"},
                    ),
                    ingress(OTHER_K8S, "x"),
                ],
                "'x'",
            ),
        ],
    ),
    Case(
        "k8s-ingress-tls-secret-issued",
        [
            AKS_CLUSTER,
            AKS_K8S,
            EKS_K8S,
            GKE_CLUSTER,
            GKE_K8S,
            OTHER_K8S,
            ISSUER,
            ingress(
                AKS_K8S, annotations={"cert-manager.io/cluster-issuer": "letsencrypt"}, secret="serving-tls"
            ),
            # The load balancer holds the certificate.
            ingress(
                EKS_K8S,
                annotations={"alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:x"},
                secret="t",
            ),
            ingress(GKE_K8S, "gce", {"networking.gke.io/managed-certificates": "cert"}),
            # A Secret of the stack; a cert-manager Certificate writing it; a namespaced Issuer.
            k8s(OTHER_K8S, "core/v1:Secret", {"name": "own-tls", "namespace": "ml"}, name="secret"),
            ingress(OTHER_K8S, "nginx", secret="own-tls", name="a"),
            k8s(
                OTHER_K8S,
                "cert-manager.io/v1:Certificate",
                {"name": "c", "namespace": "ml"},
                {"secretName": "c-tls"},
            ),
            ingress(OTHER_K8S, "nginx", secret="c-tls", name="b"),
            k8s(OTHER_K8S, "cert-manager.io/v1:Issuer", {"name": "ns-issuer", "namespace": "ml"}, {}, "iss"),
            ingress(OTHER_K8S, "nginx", {"cert-manager.io/issuer": "ns-issuer"}, secret="d-tls", name="d"),
            # A second Ingress (e.g. gRPC) reusing the Secret cert-manager issues for the annotated one.
            ingress(AKS_K8S, secret="serving-tls", name="grpc"),
        ],
        [AKS_CLUSTER, AKS_K8S, ingress(AKS_K8S, secret="serving-tls")],
        "names TLS Secret ml/serving-tls that nothing in the stack issues",
        variants=[
            # The annotation names an issuer the stack does not have.
            (
                [
                    AKS_K8S,
                    ISSUER,
                    ingress(AKS_K8S, annotations={"cert-manager.io/cluster-issuer": "other"}, secret="s"),
                ],
                "ml/s",
            ),
            # An annotated Ingress's Secret counts in its own namespace and cluster only.
            (
                [
                    AKS_K8S,
                    OTHER_K8S,
                    ISSUER,
                    ingress(
                        AKS_K8S, annotations={"cert-manager.io/cluster-issuer": "letsencrypt"}, secret="s"
                    ),
                    ingress(OTHER_K8S, "nginx", secret="s", name="elsewhere"),
                ],
                "ml/s",
            ),
            # A Secret of that name in another namespace, or on another cluster, does not count.
            (
                [
                    OTHER_K8S,
                    EKS_K8S,
                    k8s(OTHER_K8S, "core/v1:Secret", {"name": "s", "namespace": "other"}, name="s1"),
                    k8s(EKS_K8S, "core/v1:Secret", {"name": "s", "namespace": "ml"}, name="s2"),
                    ingress(OTHER_K8S, "nginx", secret="s"),
                ],
                "ml/s",
            ),
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_battery(pack, case: Case) -> None:
    run_battery(pack, case)


def test_controllers_outside_the_stack_are_declared_in_the_rule_config(pack) -> None:
    case = CASES[0]
    bad = [OTHER_K8S, ingress(OTHER_K8S, "nginx")]
    assert violations(pack, case, bad)
    config = {case.rule: {"externalClasses": ["nginx"]}}
    assert violations(pack, case, bad, config) == []
    tls = CASES[1]
    bad = [OTHER_K8S, ingress(OTHER_K8S, "nginx", secret="mine")]
    assert violations(pack, tls, bad)
    assert violations(pack, tls, bad, {tls.rule: {"externalSecrets": ["ml/mine"]}}) == []
    assert violations(pack, tls, bad, {tls.rule: {"externalSecrets": ["other/mine"]}})


def stack_violations(pack, plan: dict, rule: str, config: dict | None = None) -> list[str]:
    return [v.message for v in pack.check(plan, config or {}).violations if v.rule == rule]


@pytest.mark.parametrize(
    ("stack", "rule", "dropped", "message"),
    [
        # Without the edge's controller release, the serving Ingress (class alb) has nothing serving it.
        ("dev", "k8s-ingress-class-has-controller", "mlfleet-dev-edge-lbc", "uses class 'alb'"),
        # Without the ClusterIssuer, the cert-manager annotation names nothing: the TLS Secret is unissued.
        (
            "azure-dev",
            "k8s-ingress-tls-secret-issued",
            "mlfleet-azure-dev-edge-issuer",
            "mlfleet/mlfleet-azure-dev-serving-tls",
        ),
    ],
)
def test_the_rules_see_what_the_stacks_need(pack, stack: str, rule: str, dropped: str, message: str) -> None:
    plan = run_preview(REPO, stack)
    assert stack_violations(pack, plan, rule) == []
    # The edge's controller release / its ClusterIssuer (a name its role and grants share).
    kept = [
        r
        for r in plan["resources"]
        if not (r["name"] == dropped and r["type"].startswith(("kubernetes:helm", "kubernetes:cert-manager")))
    ]
    assert len(kept) == len(plan["resources"]) - 1
    found = stack_violations(pack, {**plan, "resources": kept}, rule)
    assert any(message in m for m in found), found


def test_the_local_stack_declares_its_own_controller_and_secret(pack) -> None:
    plan = run_preview(REPO, "local")
    config = load_config(REPO / "policies" / "config" / "local.json")
    for case in CASES:
        assert stack_violations(pack, plan, case.rule)
        assert stack_violations(pack, plan, case.rule, config) == []
