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


def ingress_flavor(cloud: Cloud, vpc_cidr: str = "10.0.0.0/16") -> IngressFlavor:
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
        )
    if cloud == "gcp":
        # Container-native load balancing (NEGs): Google front ends and health checkers reach pods.
        # TLS with a Google-managed certificate (the ServingEdge's ManagedCertificate), no Secret.
        return IngressFlavor(
            class_name="gce",
            source_cidrs=("130.211.0.0/22", "35.191.0.0/16"),
            annotations={"kubernetes.io/ingress.allow-http": "false"},
            tls_secret=False,
        )
    if cloud == "azure":
        # AKS application routing add-on (managed NGINX).
        return IngressFlavor(
            class_name="webapprouting.kubernetes.azure.com", controller_namespace="app-routing-system"
        )
    return IngressFlavor(class_name="nginx", controller_namespace="ingress-nginx")
