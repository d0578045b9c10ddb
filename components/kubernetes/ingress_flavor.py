"""How each cloud exposes an Ingress: controller class, annotations, and who sends the traffic.

The NetworkPolicy of the serving pods admits only these sources (plus Prometheus): an in-cluster
controller by namespace, or a cloud load balancer that targets pod IPs directly by its address ranges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from components.context import Cloud

# The serving app's health endpoints (apps/serving/mlfleet_serving/routes/v2.py): the pod's probes and
# the cloud load balancer's health check use these, from here only.
LIVENESS_PATH = "/v2/health/live"
READINESS_PATH = "/v2/health/ready"
# Its gRPC services (apps/serving/mlfleet_serving/grpc/): the paths a gRPC Ingress routes (a gRPC
# call is POST /<package.Service>/<Method>), and the standard health check's method.
GRPC_PATHS = ("/inference.GRPCInferenceService", "/grpc.health.v1.Health")
GRPC_HEALTH_PATH = "/grpc.health.v1.Health/Check"


@dataclass(frozen=True)
class IngressFlavor:
    class_name: str
    # Namespace of an in-cluster ingress controller (matched by kubernetes.io/metadata.name).
    controller_namespace: str | None = None
    # Address ranges of a cloud load balancer that sends traffic straight to pod IPs.
    source_cidrs: tuple[str, ...] = ()
    annotations: dict[str, str] = field(default_factory=dict)
    # False where the cloud's load balancer holds the certificate (ALB + ACM, GKE managed certificate).
    tls_secret: bool = True
    # Annotation that names the cloud load balancer (so its alarm can find it); None: not nameable.
    name_annotation: str | None = None
    # A second Ingress for GRPC_PATHS (gRPC to the pods' grpc port) with these annotations on top of
    # the first's; None: no second Ingress (see grpc_in_rest_ingress; else gRPC is in-cluster only).
    grpc_ingress_annotations: dict[str, str] | None = None
    # Annotation that puts both Ingresses on one load balancer (AWS IngressGroup), with its name.
    group_annotation: str | None = None
    # The gRPC paths as more paths of the REST Ingress instead (one load balancer per Ingress: GKE).
    grpc_in_rest_ingress: bool = False
    # The load balancer speaks HTTP/2 to a backend only over TLS (GKE): the pods' gRPC port serves
    # TLS with a key pair the program makes (the load balancer does not verify it).
    grpc_backend_tls: bool = False
    # On the serving Service: how the load balancer reaches its ports (GKE: the gRPC port's protocol).
    service_annotations: dict[str, str] = field(default_factory=dict)
    # The load balancer's health check of the gRPC backend, where it cannot infer one (a GKE
    # BackendConfig's spec.healthCheck without its port, named per port by BACKEND_CONFIG_ANNOTATION).
    grpc_health_check: dict[str, str | int] | None = None


# ingress-nginx (also the AKS application routing add-on's controller): backend-protocol GRPC makes
# NGINX grpc_pass to the pods (kubernetes/ingress-nginx docs/user-guide/nginx-configuration/
# annotations.md "Backend Protocol", commit 003d71d). It is per Ingress, hence a second Ingress for
# the gRPC paths; NGINX merges the two Ingresses of one host.
NGINX_GRPC = {"nginx.ingress.kubernetes.io/backend-protocol": "GRPC"}


# GKE Ingress (kubernetes/ingress-gce pkg/annotations/service.go, commit 027f9dd): app-protocols maps
# Service port names to HTTP, HTTPS or HTTP2 (HTTP/2 to the backend, over TLS; there is no cleartext
# HTTP/2 choice), backend-config maps port names to BackendConfigs, neg '{"ingress": true}' makes the
# load balancer target pod IPs (container-native load balancing). One Ingress is one load balancer
# with one address, so the gRPC paths join the REST Ingress, each path to its port's backend service.
GKE_APP_PROTOCOLS = "cloud.google.com/app-protocols"
GKE_NEG = "cloud.google.com/neg"
BACKEND_CONFIG_ANNOTATION = "cloud.google.com/backend-config"
# The load balancer would infer the gRPC backend's health check from a readiness probe on that port,
# else GET / over HTTP/2, which a gRPC server does not answer with 200; and it has no gRPC health
# check (GoogleCloudPlatform/gke-networking-recipes ingress/single-cluster/
# ingress-custom-grpc-health-check/README.md). So it checks the REST port's readiness path, the same
# readiness in the same process: BackendConfig spec.healthCheck type/port/requestPath
# (kubernetes/ingress-gce pkg/apis/backendconfig/v1/types.go HealthCheckConfig); with NEGs the port
# is the pod's containerPort (the same recipe, "If using NEG"), which the serving component adds.
GKE_GRPC_HEALTH_CHECK: dict[str, str | int] = {"type": "HTTP", "requestPath": READINESS_PATH}


def ingress_flavor(cloud: Cloud, vpc_cidr: str) -> IngressFlavor:
    """How the cloud's ingress reaches the serving pods; `vpc_cidr`: the cluster's network block
    (AWS: the ALB's ENIs, which the serving NetworkPolicy must admit, are in it)."""
    if cloud == "aws":
        # AWS Load Balancer Controller in IP mode: the ALB's ENIs live in the VPC.
        return IngressFlavor(
            class_name="alb",
            source_cidrs=(vpc_cidr,),
            annotations={
                "alb.ingress.kubernetes.io/scheme": "internet-facing",
                "alb.ingress.kubernetes.io/target-type": "ip",
                # Port 80 only redirects to 443 (ssl-redirect); the certificate ARN comes from the
                # stack's ServingEdge (ACM).
                "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
                "alb.ingress.kubernetes.io/ssl-redirect": "443",
                "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "alb.ingress.kubernetes.io/healthcheck-path": READINESS_PATH,
            },
            tls_secret=False,
            name_annotation="alb.ingress.kubernetes.io/load-balancer-name",
            # kubernetes-sigs/aws-load-balancer-controller docs/guide/ingress/annotations.md (commit
            # 225f445): backend-protocol-version GRPC, a gRPC health check path with gRPC success
            # codes, and group.order so the gRPC paths are matched before the REST Ingress's "/".
            grpc_ingress_annotations={
                "alb.ingress.kubernetes.io/backend-protocol-version": "GRPC",
                "alb.ingress.kubernetes.io/healthcheck-path": GRPC_HEALTH_PATH,
                "alb.ingress.kubernetes.io/success-codes": "0",
                "alb.ingress.kubernetes.io/group.order": "-1",
            },
            group_annotation="alb.ingress.kubernetes.io/group.name",
        )
    if cloud == "gcp":
        # Container-native load balancing (NEGs): Google front ends and health checkers reach pods.
        # TLS with a Google-managed certificate (the ServingEdge's ManagedCertificate), no Secret.
        return IngressFlavor(
            class_name="gce",
            source_cidrs=("130.211.0.0/22", "35.191.0.0/16"),
            annotations={"kubernetes.io/ingress.allow-http": "false"},
            tls_secret=False,
            grpc_in_rest_ingress=True,
            grpc_backend_tls=True,
            service_annotations={GKE_APP_PROTOCOLS: '{"grpc":"HTTP2"}', GKE_NEG: '{"ingress":true}'},
            grpc_health_check=GKE_GRPC_HEALTH_CHECK,
        )
    if cloud == "azure":
        # AKS application routing add-on (managed NGINX).
        return IngressFlavor(
            class_name="webapprouting.kubernetes.azure.com",
            controller_namespace="app-routing-system",
            grpc_ingress_annotations=NGINX_GRPC,
        )
    return IngressFlavor(
        class_name="nginx", controller_namespace="ingress-nginx", grpc_ingress_annotations=NGINX_GRPC
    )
