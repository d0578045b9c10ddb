"""ServingService on every cluster flavor: hardened pod, probes, pinned image, Service, HPA, PDB,
zone spread, NetworkPolicy, TLS Ingress, identity-bound service account, endpoint output."""

from __future__ import annotations

import pytest

from components.errors import ComponentArgumentError
from components.serving_service import ServingServiceArgs
from mlfleet.engine.harness import Plan, preview_stack

STACKS = ("dev", "gcp-dev", "azure-dev", "local")


def _one(plan: Plan, kind: str) -> dict:
    found = [
        r
        for r in plan.resources
        if r["type"].endswith(f":{kind}") and "-serving" in r["name"] and "-grpc-" not in r["name"]
    ]  # the gRPC Ingress: test_serving_grpc.py
    assert len(found) == 1, (kind, [r["name"] for r in found])
    return found[0]["inputs"]


@pytest.mark.parametrize("stack", STACKS)
def test_pod_is_hardened_with_resources_and_health_probes(stack):
    spec = _one(preview_stack(stack), "Deployment")["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = spec["containers"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
    assert container["livenessProbe"]["httpGet"]["path"] == "/v2/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/v2/health/ready"
    image = container["image"]
    assert "@sha256:" in image or image.rsplit(":", 1)[1] not in {"latest", "main"}
    zones = [c["topologyKey"] for c in spec["topologySpreadConstraints"]]
    assert "topology.kubernetes.io/zone" in zones


@pytest.mark.parametrize("stack", STACKS)
def test_service_hpa_and_pdb_select_the_serving_pods(stack):
    plan = preview_stack(stack)
    deployment = _one(plan, "Deployment")
    selector = deployment["spec"]["selector"]["matchLabels"]
    service = _one(plan, "Service")["spec"]
    assert service["selector"] == selector
    assert service["type"] == "ClusterIP"
    hpa = _one(plan, "HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert 1 <= hpa["minReplicas"] <= hpa["maxReplicas"]
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"
    pdb = _one(plan, "PodDisruptionBudget")["spec"]
    assert pdb["selector"]["matchLabels"] == selector and pdb["maxUnavailable"] == 1


@pytest.mark.parametrize(
    ("stack", "controller"),
    [("dev", None), ("gcp-dev", None), ("azure-dev", "app-routing-system"), ("local", "ingress-nginx")],
)
def test_network_policy_admits_only_the_ingress_path_and_prometheus(stack, controller):
    policy = _one(preview_stack(stack), "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress"]
    (rule,) = policy["ingress"]
    sources = rule["from"]
    namespaces = {
        s["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for s in sources
        if "namespaceSelector" in s
    }
    assert namespaces == {"monitoring", *([controller] if controller else [])}
    prometheus = next(s for s in sources if "podSelector" in s)
    assert prometheus["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "prometheus"}
    blocks = [s["ipBlock"]["cidr"] for s in sources if "ipBlock" in s]
    # Cloud load balancers that send straight to pod IPs are admitted by their address ranges only.
    assert "0.0.0.0/0" not in blocks
    assert bool(blocks) == (controller is None)
    assert rule["ports"] == [
        {"port": 8080, "protocol": "TCP"},
        {"port": 8081, "protocol": "TCP"},
    ]  # REST, gRPC


@pytest.mark.parametrize("stack", STACKS)
def test_ingress_has_tls_and_the_endpoint_output_is_its_host(stack):
    plan = preview_stack(stack)
    ingress = _one(plan, "Ingress")
    (rule,) = ingress["spec"]["rules"]
    assert plan.outputs["servingEndpoint"] == rule["host"]
    annotations = ingress["metadata"]["annotations"]
    if stack == "dev":
        # ALB terminates TLS with the validated ACM certificate; port 80 only redirects to 443.
        validation = plan.one("aws:acm/certificateValidation:CertificateValidation")
        assert (
            annotations["alb.ingress.kubernetes.io/certificate-arn"] == validation["inputs"]["certificateArn"]
        )
        assert annotations["alb.ingress.kubernetes.io/listen-ports"] == '[{"HTTP": 80}, {"HTTPS": 443}]'
        assert annotations["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
        assert annotations["alb.ingress.kubernetes.io/ssl-policy"].startswith("ELBSecurityPolicy-TLS13")
        # The load balancer checks the pods' own readiness endpoint.
        probe = _one(plan, "Deployment")["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
        assert annotations["alb.ingress.kubernetes.io/healthcheck-path"] == probe["httpGet"]["path"]
        assert "tls" not in ingress["spec"]
    elif stack == "gcp-dev":
        # The Google front end holds a Google-managed certificate: no Secret, HTTPS only.
        (certificate,) = plan.of_type("kubernetes:networking.gke.io/v1:ManagedCertificate")
        assert (
            annotations["networking.gke.io/managed-certificates"] == certificate["inputs"]["metadata"]["name"]
        )
        assert certificate["inputs"]["spec"] == {"domains": [rule["host"]]}
        assert annotations["kubernetes.io/ingress.allow-http"] == "false"
        assert "tls" not in ingress["spec"]
    else:
        assert ingress["spec"]["tls"] == [
            {"hosts": [rule["host"]], "secretName": "mlfleet-" + stack + "-serving-tls"}
        ]
        if stack == "azure-dev":
            # cert-manager fills the Secret from the stack's ClusterIssuer.
            (issuer,) = plan.of_type("kubernetes:cert-manager.io/v1:ClusterIssuer")
            assert annotations["cert-manager.io/cluster-issuer"] == issuer["inputs"]["metadata"]["name"]


@pytest.mark.parametrize(
    ("stack", "annotation"),
    [
        ("gcp-dev", "iam.gke.io/gcp-service-account"),
        ("azure-dev", "azure.workload.identity/client-id"),
    ],
)
def test_service_account_is_bound_to_the_read_only_identity(stack, annotation):
    plan = preview_stack(stack)
    account = _one(plan, "ServiceAccount")
    deployment = _one(plan, "Deployment")
    assert account["metadata"]["name"] == "serving"
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "serving"
    assert account["metadata"]["annotations"][annotation] == plan.outputs["workloadIdentities"]["serving"]
    assert account["automountServiceAccountToken"] is False


def test_eks_pod_identity_is_not_shadowed_by_an_irsa_annotation():
    """The stacks bind roles with EKS Pod Identity: an IRSA annotation would make the webhook inject a
    web-identity token that the SDKs try first and the role does not trust (no credentials at all)."""
    plan = preview_stack("dev")
    account = _one(plan, "ServiceAccount")
    assert "eks.amazonaws.com/role-arn" not in (account["metadata"].get("annotations") or {})
    (association,) = [
        r["inputs"]
        for r in plan.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if r["inputs"]["serviceAccount"] == "serving"
    ]
    assert association["roleArn"] == plan.outputs["workloadIdentities"]["serving"]


@pytest.mark.parametrize(
    ("argument", "changes"),
    [
        ("image", {"image": "registry.example.com/serving:latest"}),
        ("image", {"image": "registry.example.com/serving"}),
        ("hostname", {"hostname": "not a host"}),
        ("min_replicas", {"min_replicas": 5, "max_replicas": 2}),
        ("memory", {"memory": "lots"}),
    ],
)
def test_bad_arguments_name_the_argument(argument, changes):
    base = {
        "image": "registry.example.com/serving:1.2.3",
        "model": "iris",
        "registry_url": "s3://b/models",
        "hostname": "serving.example.com",
    }
    with pytest.raises(ComponentArgumentError, match=argument):
        ServingServiceArgs(**{**base, **changes})


@pytest.mark.parametrize("stack", STACKS)
def test_pod_drains_before_it_stops(stack):
    """preStop sleeps while the endpoints stop sending new connections (with the image's python:
    no shell or coreutils needed), then SIGTERM starts the server's drain; the grace period covers
    both, so the kubelet never kills a draining server."""
    spec = _one(preview_stack(stack), "Deployment")["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "python" and "time.sleep(" in command[-1]
    sleep = float(command[-1].split("time.sleep(")[1].rstrip(")"))
    assert sleep >= 5
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    drain = float(env["MLFLEET_GRACEFUL_TIMEOUT_SECONDS"])
    assert spec["terminationGracePeriodSeconds"] >= sleep + drain + 1


def test_drain_time_from_the_stack_env_sets_the_grace_period():
    from components.kubernetes.serving_service import (
        GRACE_MARGIN_SECONDS,
        PRE_STOP_SLEEP_SECONDS,
        _drain_seconds,
    )

    assert _drain_seconds({}) + PRE_STOP_SLEEP_SECONDS + GRACE_MARGIN_SECONDS == 35
    assert _drain_seconds({"MLFLEET_GRACEFUL_TIMEOUT_SECONDS": "42.5"}) == 43
    with pytest.raises(ComponentArgumentError, match="MLFLEET_GRACEFUL_TIMEOUT_SECONDS"):
        _drain_seconds({"MLFLEET_GRACEFUL_TIMEOUT_SECONDS": "soon"})
