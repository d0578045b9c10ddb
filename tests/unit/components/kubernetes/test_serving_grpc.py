"""The serving component exposes the server's gRPC endpoint: container and Service port (the server's
own default port), and a gRPC Ingress on the REST hosts where the cloud's ingress can carry gRPC."""

from __future__ import annotations

import json

import jsonschema
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


def test_gke_routes_grpc_through_the_rest_ingress_to_a_tls_http2_backend() -> None:
    """One GKE Ingress is one load balancer: the gRPC paths join the REST Ingress; the Service tells
    the load balancer to speak HTTP/2 (over TLS) to the grpc port and to health-check it through the
    REST port's readiness path (BackendConfig), and the pods serve gRPC with the program's key pair."""
    plan = preview_stack("gcp-dev")
    rest, grpc = _ingresses(plan)
    assert grpc == []
    for host, backends in _backends(rest).items():
        assert backends == [("/", "http"), *((path, "grpc") for path in GRPC_PATHS)], host
    (service,) = _serving(plan, "Service")
    annotations = service["inputs"]["metadata"]["annotations"]
    assert json.loads(annotations["cloud.google.com/app-protocols"]) == {"grpc": "HTTP2"}
    assert json.loads(annotations["cloud.google.com/neg"]) == {"ingress": True}
    config_name = json.loads(annotations["cloud.google.com/backend-config"])["ports"]["grpc"]
    (config,) = _serving(plan, "BackendConfig")
    assert config["inputs"]["metadata"]["name"] == config_name
    (deployment,) = _serving(plan, "Deployment")
    pod = deployment["inputs"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    http_port = next(p["containerPort"] for p in container["ports"] if p["name"] == "http")
    readiness = container["readinessProbe"]["httpGet"]["path"]
    assert config["inputs"]["spec"]["healthCheck"] == {
        "type": "HTTP",
        "port": http_port,
        "requestPath": readiness,
    }
    env = {e["name"]: e.get("value") for e in container["env"]}
    (tls_secret,) = [r for r in _serving(plan, "Secret") if r["inputs"]["type"] == "kubernetes.io/tls"]
    (volume,) = [
        v
        for v in pod["volumes"]
        if v.get("secret", {}).get("secretName") == tls_secret["inputs"]["metadata"]["name"]
    ]
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == volume["name"]]
    assert mount["readOnly"] is True
    assert env["MLFLEET_GRPC_TLS_CERTFILE"] == f"{mount['mountPath']}/tls.crt"
    assert env["MLFLEET_GRPC_TLS_KEYFILE"] == f"{mount['mountPath']}/tls.key"
    assert "MLFLEET_TLS_CERTFILE" not in env  # REST, its probes and the HTTP backend stay plaintext
    assert tls_secret["inputs"]["stringData"].get("redacted") is True  # the key is not in the plan


# BackendConfigSpec.healthCheck (HealthCheckConfig) in kubernetes/ingress-gce
# pkg/apis/backendconfig/v1/types.go (commit 1498838): integer seconds/thresholds/port, string type and
# requestPath; the types a health check may have from GoogleCloudPlatform/gke-networking-recipes
# ingress/single-cluster/ingress-custom-grpc-health-check/README.md. `additionalProperties: False` is
# ours (strict, as `kubectl --validate=strict`).
BACKEND_CONFIG_SPEC = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "healthCheck": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                **{
                    key: {"type": "integer"}
                    for key in (
                        "checkIntervalSec",
                        "timeoutSec",
                        "healthyThreshold",
                        "unhealthyThreshold",
                        "port",
                    )
                },
                "type": {"enum": ["HTTP", "HTTPS", "HTTP2"]},
                "requestPath": {"type": "string", "pattern": "^/"},
            },
        }
    },
}


@pytest.mark.parametrize("stack", ["gcp-dev", "staging-global"])
def test_backend_config_matches_its_crd(stack: str) -> None:
    (config,) = _serving(preview_stack(stack), "BackendConfig")
    assert config["inputs"]["apiVersion"] == "cloud.google.com/v1"
    jsonschema.validate(config["inputs"]["spec"], BACKEND_CONFIG_SPEC)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"healthCheck": {"protocol": "HTTP"}}, BACKEND_CONFIG_SPEC)  # a typo'd key


@pytest.mark.parametrize("stack", ["dev", "azure-dev", "local"])
def test_other_clouds_keep_grpc_plaintext_to_the_pods(stack: str) -> None:
    """Their ingress speaks gRPC to a plaintext backend: no key pair, no TLS settings."""
    plan = preview_stack(stack)
    assert not [r for r in plan.resources if r["type"].startswith("tls:")]
    (deployment,) = _serving(plan, "Deployment")
    (container,) = deployment["inputs"]["spec"]["template"]["spec"]["containers"]
    assert not any(e["name"].startswith("MLFLEET_GRPC_TLS") for e in container["env"])
