"""The serving workload on Kubernetes: ServiceAccount, Deployment, Service, HPA, PDB, NetworkPolicy,
ServiceMonitor and a TLS Ingress with the gRPC paths (a second Ingress, or on GKE the same one, whose
load balancer also needs the gRPC port's own TLS key pair and a BackendConfig). Type token
`mlfleet:kubernetes:ServingService` on every cloud."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random
import pulumi_tls as tls
from mlfleet_serving.keys import KEY_PREFIX, hash_entry
from mlfleet_serving.settings import ServingSettings

from components.context import compact_name
from components.errors import ComponentArgumentError
from components.kubernetes.ingress_flavor import (
    BACKEND_CONFIG_ANNOTATION,
    GRPC_PATHS,
    LIVENESS_PATH,
    READINESS_PATH,
    IngressFlavor,
)
from components.kubernetes.pod_security import (
    container_security_context,
    pod_security_context,
    resources,
    scratch_volume,
)
from components.kubernetes.service_account import workload_service_account
from components.serving_service import ServingServiceArgs

PORT = 8080
# The server's Open Inference Protocol gRPC port: its own default (ServingSettings), set explicitly.
GRPC_PORT: int = ServingSettings.model_fields["grpc_port"].default
# The hashed API keys file the server reads (MLFLEET_API_KEYS_FILE), from a Secret volume: a file,
# unlike an env var, does not show in `kubectl describe pod`.
KEYS_DIR = "/etc/mlfleet/api-keys"
KEYS_FILE = "api-keys"
# The gRPC port's own certificate and key where the load balancer needs TLS to it (flavor
# grpc_backend_tls), from a kubernetes.io/tls Secret (keys tls.crt, tls.key) mounted here.
GRPC_TLS_DIR = "/etc/mlfleet/grpc-tls"
# Self-signed, one year; `pulumi up` in the last 30 days replaces it (pulumi-tls early_renewal_hours)
# and the pod template's certificate digest rolls the pods onto it. ECDSA P-256: the load balancer
# speaks TLS 1.3 or TLS 1.2 with the COMPATIBLE profile's suites, which include ECDSA ones
# (cloud.google.com/load-balancing/docs/ssl-certificates/encryption-to-the-backends).
GRPC_TLS_VALIDITY_HOURS = 24 * 365
GRPC_TLS_RENEWAL_HOURS = 24 * 30
# Rolling updates and scale-in lose no request: on deletion the pod first sleeps in preStop while
# the endpoints controller, kube-proxy and the ingress stop sending it new connections; then SIGTERM
# starts the server's own drain (answers what its connections already carry, the last request with
# Connection: close), which takes at most MLFLEET_GRACEFUL_TIMEOUT_SECONDS. The grace period covers
# both plus a margin, so the kubelet never SIGKILLs a draining server.
PRE_STOP_SLEEP_SECONDS = 10
DRAIN_ENV = "MLFLEET_GRACEFUL_TIMEOUT_SECONDS"
DRAIN_SECONDS = 20  # the server's default
GRACE_MARGIN_SECONDS = 5


# On the pod template: the gRPC certificate's sha256, so a renewed certificate rolls the pods (the
# server reads its key pair at start).
GRPC_TLS_DIGEST_ANNOTATION = "mlfleet.io/grpc-tls-cert-sha256"


@dataclass(frozen=True)
class GrpcTls:
    secret: pulumi.Input[str]  # the kubernetes.io/tls Secret's name
    pod_annotations: Mapping[str, pulumi.Input[str]]


class KubernetesServingService(pulumi.ComponentResource):
    endpoint_hostname: pulumi.Output[str]
    namespace: pulumi.Output[str]
    service_name: pulumi.Output[str]
    api_key: pulumi.Output[str]
    # The cloud load balancer's name where the Ingress sets it (AWS ALB), else None.
    load_balancer_name: str | None

    def __init__(
        self,
        name: str,
        args: ServingServiceArgs,
        flavor: IngressFlavor,
        provider: k8s.Provider,
        labels: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:kubernetes:ServingService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        selector = {"app.kubernetes.io/name": "mlfleet-serving", "app.kubernetes.io/instance": name}
        all_labels = {**labels, **selector, "app.kubernetes.io/part-of": "mlfleet"}

        def meta(annotations: Mapping[str, pulumi.Input[str]] | None = None) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(
                name=name, namespace=args.namespace, labels=all_labels, annotations=annotations
            )

        # Auth is on in the server: provision the stack's own API key. The plaintext stays in Pulumi
        # state (a secret output); the cluster gets only its sha256 entry (mlfleet_serving.keys).
        password = random.RandomPassword(
            f"{name}-api-key", length=48, special=False, opts=pulumi.ResourceOptions(parent=self)
        )
        api_key: pulumi.Output[str] = pulumi.Output.secret(  # type: ignore[arg-type]
            pulumi.Output.concat(KEY_PREFIX, password.result)
        )
        keys_secret = k8s.core.v1.Secret(
            f"{name}-api-keys",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"{name}-api-keys", namespace=args.namespace, labels=all_labels
            ),
            type="Opaque",
            string_data={KEYS_FILE: api_key.apply(lambda key: hash_entry(args.api_key_name, key) + "\n")},
            opts=child,
        )
        grpc_tls = self._grpc_tls(name, args, all_labels, child) if flavor.grpc_backend_tls else None
        account = workload_service_account(
            name,
            account_name=args.service_account or name,
            namespace=args.namespace,
            labels=all_labels,
            annotations=args.service_account_annotations,
            opts=child,
        )
        deployment = k8s.apps.v1.Deployment(
            name,
            metadata=meta(),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=args.min_replicas,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(
                        max_surge="25%", max_unavailable=0
                    ),
                ),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        labels={**all_labels, **args.pod_labels},
                        annotations=grpc_tls.pod_annotations if grpc_tls else None,
                    ),
                    spec=self._pod_spec(
                        args, selector, account.metadata.name, keys_secret.metadata.name, grpc_tls
                    ),
                ),
            ),
            opts=child,
        )
        service_annotations, service_needs = self._service_annotations(name, args, flavor, all_labels, child)
        service = k8s.core.v1.Service(
            f"{name}-svc",
            metadata=meta(service_annotations),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP",
                selector=selector,
                ports=[
                    k8s.core.v1.ServicePortArgs(name="http", port=80, target_port="http"),
                    # appProtocol: for meshes and Gateway implementations that route by it.
                    k8s.core.v1.ServicePortArgs(
                        name="grpc", port=GRPC_PORT, target_port="grpc", app_protocol="grpc"
                    ),
                ],
            ),
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=service_needs)),
        )
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-hpa",
            metadata=meta(),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1", kind="Deployment", name=deployment.metadata.name
                ),
                min_replicas=args.min_replicas,
                max_replicas=args.max_replicas,
                metrics=[
                    k8s.autoscaling.v2.MetricSpecArgs(
                        type="Resource",
                        resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                            name="cpu",
                            target=k8s.autoscaling.v2.MetricTargetArgs(
                                type="Utilization", average_utilization=args.target_cpu_percent
                            ),
                        ),
                    )
                ],
            ),
            opts=child,
        )
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=meta(),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=1, selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector)
            ),
            opts=child,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-netpol",
            metadata=meta(),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                policy_types=["Ingress"],
                ingress=[
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=_traffic_sources(flavor, args.monitoring_namespace),
                        ports=[
                            k8s.networking.v1.NetworkPolicyPortArgs(port=port, protocol="TCP")
                            for port in (PORT, GRPC_PORT)
                        ],
                    )
                ],
            ),
            opts=child,
        )
        # Prometheus (kube-prometheus-stack) discovers scrape targets through ServiceMonitors.
        k8s.apiextensions.CustomResource(
            f"{name}-monitor",
            api_version="monitoring.coreos.com/v1",
            kind="ServiceMonitor",
            metadata=meta(),
            spec={
                "selector": {"matchLabels": selector},
                "endpoints": [{"port": "http", "path": "/metrics", "interval": "15s"}],
            },
            opts=child,
        )
        # ALB names are at most 32 characters.
        self.load_balancer_name = compact_name(name, 32) if flavor.name_annotation else None
        hosts = (args.hostname, *args.shared_hostnames)
        ingress = k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata=meta(_ingress_annotations(flavor, args, self.load_balancer_name)),
            # One rule per name, same backend: the cell's own name and the shared (global) ones.
            spec=_ingress_spec(flavor, name, hosts, service.metadata.name, _rest_ingress_paths(flavor)),
            # Its controller and certificate first, so the load balancer comes up serving TLS.
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=list(args.ingress_depends_on))
            ),
        )
        if flavor.grpc_ingress_annotations is not None:
            self._grpc_ingress(name, args, flavor, meta, service.metadata.name, hosts, ingress, child)
        # Known up front (front doors and health checks use it), available once the Ingress exists.
        self.endpoint_hostname = ingress.id.apply(lambda _: args.hostname)
        self.namespace = pulumi.Output.from_input(args.namespace)
        self.service_name = service.metadata.name
        self.api_key = api_key
        self.register_outputs(
            {
                "endpoint_hostname": self.endpoint_hostname,
                "namespace": self.namespace,
                "service_name": self.service_name,
                "api_key": self.api_key,
            }
        )

    def _grpc_tls(
        self, name: str, args: ServingServiceArgs, labels: Mapping[str, str], child: pulumi.ResourceOptions
    ) -> GrpcTls:
        """The gRPC port's key pair (pulumi-tls, made by the program: no secret in a stack file) as a
        kubernetes.io/tls Secret; the private key stays a Pulumi secret on its way there."""
        on_self = pulumi.ResourceOptions(parent=self)
        key = tls.PrivateKey(f"{name}-grpc-tls", algorithm="ECDSA", ecdsa_curve="P256", opts=on_self)
        service_dns = [f"{name}.{args.namespace}.svc", f"{name}.{args.namespace}.svc.cluster.local"]
        cert = tls.SelfSignedCert(
            f"{name}-grpc-tls",
            private_key_pem=key.private_key_pem,
            subject=tls.SelfSignedCertSubjectArgs(common_name=service_dns[0], organization="mlfleet"),
            dns_names=service_dns,
            validity_period_hours=GRPC_TLS_VALIDITY_HOURS,
            early_renewal_hours=GRPC_TLS_RENEWAL_HOURS,
            allowed_uses=["digital_signature", "key_encipherment", "server_auth"],
            opts=on_self,
        )
        secret = k8s.core.v1.Secret(
            f"{name}-grpc-tls",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"{name}-grpc-tls", namespace=args.namespace, labels=labels
            ),
            type="kubernetes.io/tls",
            string_data={
                "tls.crt": cert.cert_pem,
                "tls.key": pulumi.Output.secret(key.private_key_pem),  # type: ignore[arg-type]
            },
            opts=child,
        )
        digest = cert.cert_pem.apply(lambda pem: hashlib.sha256(pem.encode()).hexdigest())
        return GrpcTls(secret.metadata.name, {GRPC_TLS_DIGEST_ANNOTATION: digest})

    def _service_annotations(
        self,
        name: str,
        args: ServingServiceArgs,
        flavor: IngressFlavor,
        labels: Mapping[str, str],
        child: pulumi.ResourceOptions,
    ) -> tuple[dict[str, str] | None, list[pulumi.Resource]]:
        """The flavor's Service annotations, and a BackendConfig for the gRPC backend's health check
        where the flavor has one (the load balancer checks the REST port's readiness path), which the
        Service then waits for."""
        annotations = dict(flavor.service_annotations)
        if flavor.grpc_health_check is None:
            return annotations or None, []
        config_name = f"{name}-grpc"
        config = k8s.apiextensions.CustomResource(
            f"{name}-grpc-backend",
            api_version="cloud.google.com/v1",
            kind="BackendConfig",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=config_name, namespace=args.namespace, labels=labels),
            spec={"healthCheck": {**flavor.grpc_health_check, "port": PORT}},
            opts=child,
        )
        annotations[BACKEND_CONFIG_ANNOTATION] = json.dumps(
            {"ports": {"grpc": config_name}}, separators=(",", ":")
        )
        return annotations, [config]

    def _grpc_ingress(
        self,
        name: str,
        args: ServingServiceArgs,
        flavor: IngressFlavor,
        meta: Callable[[Mapping[str, pulumi.Input[str]]], k8s.meta.v1.ObjectMetaArgs],
        service_name: pulumi.Input[str],
        hosts: tuple[str, ...],
        ingress: k8s.networking.v1.Ingress,
        child: pulumi.ResourceOptions,
    ) -> None:
        """The gRPC services' paths, on the same hosts and load balancer as REST, to the grpc port
        (the cloud's gRPC backend protocol in flavor.grpc_ingress_annotations)."""
        annotations = {
            **_ingress_annotations(flavor, args, self.load_balancer_name),
            **(flavor.grpc_ingress_annotations or {}),
        }
        annotations.pop("cert-manager.io/cluster-issuer", None)  # the REST Ingress's Certificate
        k8s.networking.v1.Ingress(
            f"{name}-grpc-ingress",
            metadata=meta(annotations),
            spec=_ingress_spec(
                flavor, name, hosts, service_name, tuple((path, "grpc") for path in GRPC_PATHS)
            ),
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[ingress])),
        )

    @staticmethod
    def _pod_spec(
        args: ServingServiceArgs,
        selector: dict[str, str],
        account: pulumi.Input[str],
        keys_secret: pulumi.Input[str],
        grpc_tls: GrpcTls | None,
    ) -> k8s.core.v1.PodSpecArgs:
        volume, mount = scratch_volume()
        keys_volume = k8s.core.v1.VolumeArgs(
            name="api-keys",
            # Readable by the pod's fsGroup (the server's group) only.
            secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=keys_secret, default_mode=0o440),
        )
        keys_mount = k8s.core.v1.VolumeMountArgs(name="api-keys", mount_path=KEYS_DIR, read_only=True)
        volumes, mounts = [volume, keys_volume], [mount, keys_mount]
        tls_env: list[k8s.core.v1.EnvVarArgs] = []
        if grpc_tls is not None:
            volumes.append(
                k8s.core.v1.VolumeArgs(
                    name="grpc-tls",
                    secret=k8s.core.v1.SecretVolumeSourceArgs(
                        secret_name=grpc_tls.secret, default_mode=0o440
                    ),
                )
            )
            mounts.append(
                k8s.core.v1.VolumeMountArgs(name="grpc-tls", mount_path=GRPC_TLS_DIR, read_only=True)
            )
            tls_env = [
                k8s.core.v1.EnvVarArgs(name=server_env_name(setting), value=f"{GRPC_TLS_DIR}/{key}")
                for setting, key in (("grpc_tls_certfile", "tls.crt"), ("grpc_tls_keyfile", "tls.key"))
            ]
        env = [
            k8s.core.v1.EnvVarArgs(name="MLFLEET_HOST", value="0.0.0.0"),
            k8s.core.v1.EnvVarArgs(name="MLFLEET_PORT", value=str(PORT)),
            k8s.core.v1.EnvVarArgs(name=server_env_name("grpc_port"), value=str(GRPC_PORT)),
            *tls_env,
            k8s.core.v1.EnvVarArgs(name="MLFLEET_REGISTRY", value=args.registry_url),
            k8s.core.v1.EnvVarArgs(name="MLFLEET_MODEL", value=args.model),
            k8s.core.v1.EnvVarArgs(name="MLFLEET_ALIAS", value=args.alias),
            k8s.core.v1.EnvVarArgs(name="MLFLEET_API_KEYS_FILE", value=f"{KEYS_DIR}/{KEYS_FILE}"),
            *_rollout_env(args),
            *[k8s.core.v1.EnvVarArgs(name=key, value=value) for key, value in sorted(args.env.items())],
        ]
        drain = _drain_seconds(args.env)
        if DRAIN_ENV not in args.env:
            env.append(k8s.core.v1.EnvVarArgs(name=DRAIN_ENV, value=str(drain)))
        env_from = (
            [k8s.core.v1.EnvFromSourceArgs(secret_ref=k8s.core.v1.SecretEnvSourceArgs(name=args.env_secret))]
            if args.env_secret is not None
            else None
        )
        return k8s.core.v1.PodSpecArgs(
            service_account_name=account,
            security_context=pod_security_context(),
            termination_grace_period_seconds=PRE_STOP_SLEEP_SECONDS + drain + GRACE_MARGIN_SECONDS,
            # One replica per zone first, then per node, so a zone outage leaves serving up.
            topology_spread_constraints=[
                k8s.core.v1.TopologySpreadConstraintArgs(
                    max_skew=1,
                    topology_key=key,
                    when_unsatisfiable="ScheduleAnyway",
                    label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                )
                for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
            ],
            containers=[
                k8s.core.v1.ContainerArgs(
                    name="serving",
                    image=args.image,
                    ports=[
                        k8s.core.v1.ContainerPortArgs(name="http", container_port=PORT, protocol="TCP"),
                        k8s.core.v1.ContainerPortArgs(name="grpc", container_port=GRPC_PORT, protocol="TCP"),
                    ],
                    env=env,
                    env_from=env_from,
                    resources=resources(args.cpu, args.memory),
                    security_context=container_security_context(),
                    # HTTP probes, also where gRPC serves TLS: the same readiness in the same process
                    # (the gRPC health service reports it too), and the kubelet's gRPC probe speaks
                    # plaintext only (GRPCAction has port and service, pulumi-kubernetes 4.32; "Built-in
                    # probes do not support any authentication parameters (like -tls)", kubernetes.io
                    # configure-liveness-readiness-startup-probes, define-a-grpc-liveness-probe).
                    liveness_probe=_probe(LIVENESS_PATH, failure_threshold=3),
                    readiness_probe=_probe(READINESS_PATH, failure_threshold=2),
                    # The image's entrypoint is python, so it is there whatever the base image
                    # (`sleep` is coreutils: in Debian-based images, not in distroless ones).
                    lifecycle=k8s.core.v1.LifecycleArgs(
                        pre_stop=k8s.core.v1.LifecycleHandlerArgs(
                            exec_=k8s.core.v1.ExecActionArgs(
                                command=[
                                    "python",
                                    "-S",
                                    "-c",
                                    f"import time; time.sleep({PRE_STOP_SLEEP_SECONDS})",
                                ]
                            )
                        )
                    ),
                    volume_mounts=mounts,
                )
            ],
            volumes=volumes,
        )


def server_env_name(setting: str) -> str:
    """The server's variable for one of its settings (canary_alias -> MLFLEET_CANARY_ALIAS), from
    ServingSettings itself, so a renamed setting fails here and not silently in the pod."""
    if setting not in ServingSettings.model_fields:
        raise KeyError(f"the server has no setting {setting!r}")
    return f"{ServingSettings.model_config.get('env_prefix', '')}{setting}".upper()


def _rollout_env(args: ServingServiceArgs) -> list[k8s.core.v1.EnvVarArgs]:
    """The canary, shadow and alias-age settings, under the server's own variable names (ServingSettings)."""
    values = {
        "canary_alias": args.canary_alias,
        "canary_weight": repr(args.canary_weight) if args.canary_alias is not None else None,
        "shadow_alias": args.shadow_alias,
        "alias_max_age_seconds": str(args.alias_max_age_seconds) if args.alias_max_age_seconds else None,
    }
    return [
        k8s.core.v1.EnvVarArgs(name=server_env_name(field), value=value)
        for field, value in values.items()
        if value is not None
    ]


def _drain_seconds(env: Mapping[str, pulumi.Input[str]]) -> int:
    """The server's drain time: DRAIN_SECONDS, or the stack's own MLFLEET_GRACEFUL_TIMEOUT_SECONDS."""
    value = env.get(DRAIN_ENV)
    if value is None:
        return DRAIN_SECONDS
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        seconds = math.ceil(float(value))
        if not 0 <= seconds <= 3600:
            raise ValueError(value)
    except ValueError:
        raise ComponentArgumentError(
            "ServingService",
            f"env[{DRAIN_ENV}]",
            f"must be a plain number of seconds (0-3600), got {value!r}",
            "the pod's terminationGracePeriodSeconds is computed from it; give a literal such as '20'",
        ) from None
    return seconds


def _probe(path: str, failure_threshold: int) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=path, port="http"),
        initial_delay_seconds=5,
        period_seconds=10,
        timeout_seconds=2,
        failure_threshold=failure_threshold,
    )


def _traffic_sources(
    flavor: IngressFlavor, monitoring_namespace: str
) -> list[k8s.networking.v1.NetworkPolicyPeerArgs]:
    def namespace(name: str) -> k8s.meta.v1.LabelSelectorArgs:
        return k8s.meta.v1.LabelSelectorArgs(match_labels={"kubernetes.io/metadata.name": name})

    peers = [
        k8s.networking.v1.NetworkPolicyPeerArgs(
            namespace_selector=namespace(monitoring_namespace),
            pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"app.kubernetes.io/name": "prometheus"}),
        )
    ]
    if flavor.controller_namespace:
        peers.append(
            k8s.networking.v1.NetworkPolicyPeerArgs(namespace_selector=namespace(flavor.controller_namespace))
        )
    peers += [
        k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=k8s.networking.v1.IPBlockArgs(cidr=cidr))
        for cidr in flavor.source_cidrs
    ]
    return peers


def _rest_ingress_paths(flavor: IngressFlavor) -> tuple[tuple[str, str], ...]:
    """The REST Ingress's (path, Service port name): "/" to http, and the gRPC services' paths to grpc
    where gRPC joins it (flavor.grpc_in_rest_ingress; the longest matching path wins)."""
    grpc = tuple((path, "grpc") for path in GRPC_PATHS) if flavor.grpc_in_rest_ingress else ()
    return (("/", "http"), *grpc)


def _ingress_spec(
    flavor: IngressFlavor,
    name: str,
    hosts: tuple[str, ...],
    service_name: pulumi.Input[str],
    paths: tuple[tuple[str, str], ...],
) -> k8s.networking.v1.IngressSpecArgs:
    """One rule per host name, each with `paths` (path prefix, Service port name)."""
    return k8s.networking.v1.IngressSpecArgs(
        ingress_class_name=flavor.class_name,
        tls=[k8s.networking.v1.IngressTLSArgs(hosts=list(hosts), secret_name=f"{name}-tls")]
        if flavor.tls_secret
        else None,
        rules=[
            k8s.networking.v1.IngressRuleArgs(
                host=host,
                http=k8s.networking.v1.HTTPIngressRuleValueArgs(
                    paths=[
                        k8s.networking.v1.HTTPIngressPathArgs(
                            path=path,
                            path_type="Prefix",
                            backend=k8s.networking.v1.IngressBackendArgs(
                                service=k8s.networking.v1.IngressServiceBackendArgs(
                                    name=service_name,
                                    port=k8s.networking.v1.ServiceBackendPortArgs(name=port),
                                )
                            ),
                        )
                        for path, port in paths
                    ]
                ),
            )
            for host in hosts
        ],
    )


def _ingress_annotations(
    flavor: IngressFlavor, args: ServingServiceArgs, load_balancer_name: str | None
) -> dict[str, pulumi.Input[str]]:
    annotations: dict[str, pulumi.Input[str]] = {**flavor.annotations, **args.ingress_annotations}
    if flavor.name_annotation and load_balancer_name:
        annotations[flavor.name_annotation] = load_balancer_name
        if flavor.group_annotation:  # the gRPC Ingress joins the same load balancer
            annotations[flavor.group_annotation] = load_balancer_name
    if args.tls_cluster_issuer and flavor.tls_secret:
        annotations["cert-manager.io/cluster-issuer"] = args.tls_cluster_issuer
    return annotations
