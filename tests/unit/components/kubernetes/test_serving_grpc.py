"""The serving component exposes the server's gRPC endpoint: container and Service port (the server's
own default port), and a gRPC Ingress on the REST hosts where the cloud's ingress can carry gRPC."""

from __future__ import annotations

import pytest
from mlfleet_serving.settings import ServingSettings

from mlfleet.engine.harness import Plan, preview_stack

GRPC_PORT = ServingSettings.model_fields["grpc_port"].default
GRPC_PATHS = ["/inference.GRPCInferenceService", "/grpc.health.v1.Health"]


def _serving(plan: Plan, kind: str) -> list[dict]:
    return [r for r in plan.resources if r["type"].endswith(f":{kind}") and "-serving" in r["name"]]


@pytest.mark.parametrize("stack", ["dev", "gcp-dev", "azure-dev", "local"])
def test_pod_and_service_expose_the_servers_grpc_port(stack: str) -> None:
    plan = preview_stack(stack)
    (deployment,) = _serving(plan, "Deployment")
    (container,) = deployment["inputs"]["spec"]["template"]["spec"]["containers"]
    assert {"name": "grpc", "containerPort": GRPC_PORT, "protocol": "TCP"} in container["ports"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["MLFLEET_GRPC_PORT"] == str(GRPC_PORT)
    (service,) = _serving(plan, "Service")
    ports = {p["name"]: p for p in service["inputs"]["spec"]["ports"]}
    assert ports["grpc"] == {"name": "grpc", "port": GRPC_PORT, "targetPort": "grpc", "appProtocol": "grpc"}


def _ingresses(plan: Plan) -> tuple[dict, list[dict]]:
    found = _serving(plan, "Ingress")
    rest = [r["inputs"] for r in found if "-grpc-" not in r["name"]]
    grpc = [r["inputs"] for r in found if "-grpc-" in r["name"]]
    assert len(rest) == 1
    return rest[0], grpc


def _backends(ingress: dict) -> dict[str, list[tuple[str, str]]]:
    return {
        rule["host"]: [(p["path"], p["backend"]["service"]["port"]["name"]) for p in rule["http"]["paths"]]
        for rule in ingress["spec"]["rules"]
    }


@pytest.mark.parametrize(
    ("stack", "protocol"),
    [
        ("dev", {"alb.ingress.kubernetes.io/backend-protocol-version": "GRPC"}),
        ("azure-dev", {"nginx.ingress.kubernetes.io/backend-protocol": "GRPC"}),
        ("local", {"nginx.ingress.kubernetes.io/backend-protocol": "GRPC"}),
    ],
)
def test_grpc_ingress_routes_the_grpc_services_on_the_rest_hosts(stack: str, protocol: dict) -> None:
    rest, grpc = _ingresses(preview_stack(stack))
    (ingress,) = grpc
    annotations = ingress["metadata"]["annotations"]
    assert protocol.items() <= annotations.items()
    assert not any("backend-protocol" in key for key in rest["metadata"]["annotations"])
    assert ingress["spec"]["ingressClassName"] == rest["spec"]["ingressClassName"]
    assert _backends(ingress) == {host: [(path, "grpc") for path in GRPC_PATHS] for host in _backends(rest)}
    assert ingress["spec"].get("tls") == rest["spec"].get("tls")  # the same certificate
    assert "cert-manager.io/cluster-issuer" not in annotations  # one Certificate, from the REST Ingress


def test_aws_grpc_ingress_shares_the_alb_and_checks_grpc_health() -> None:
    rest, (grpc,) = _ingresses(preview_stack("dev"))
    rest_annotations, annotations = rest["metadata"]["annotations"], grpc["metadata"]["annotations"]
    name = rest_annotations["alb.ingress.kubernetes.io/load-balancer-name"]
    for a in (rest_annotations, annotations):
        assert a["alb.ingress.kubernetes.io/group.name"] == name
        assert a["alb.ingress.kubernetes.io/load-balancer-name"] == name
    # Settings that are per load balancer agree (the controller refuses a group that disagrees).
    for key in ("scheme", "listen-ports", "certificate-arn", "ssl-policy"):
        full = f"alb.ingress.kubernetes.io/{key}"
        assert annotations[full] == rest_annotations[full]
    assert annotations["alb.ingress.kubernetes.io/healthcheck-path"] == "/grpc.health.v1.Health/Check"
    assert annotations["alb.ingress.kubernetes.io/success-codes"] == "0"
    assert int(annotations["alb.ingress.kubernetes.io/group.order"]) < 0  # before REST's "/"


def test_gke_keeps_grpc_in_cluster() -> None:
    # GKE's Ingress speaks HTTP/2 to a backend only over TLS (cloud.google.com/app-protocols HTTP2),
    # and the pods' gRPC port is plaintext: no gRPC Ingress rather than one that cannot work.
    _, grpc = _ingresses(preview_stack("gcp-dev"))
    assert grpc == []
