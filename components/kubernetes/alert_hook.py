"""The closed loop's Alertmanager webhook receiver in the cluster (docs/delivery.md "The closed loop").

Alertmanager routes alerts labelled `action: retrain|rollback` here (monitoring/alertmanager.py); the
receiver (apps/trainer/mlfleet_trainer/alert_hook, run from the trainer image) creates a Job from the
model's training CronJob, or rolls the canary alias back in the registry.

What it may do, and nothing more:
- Kubernetes API: a Role with `get` on the training CronJob (by name) and `create` on Jobs, in the
  training namespace; the API token is a projected, expiring service-account token mounted only
  into this pod (the account's token is not automounted anywhere).
- Registry: it runs as the trainer's service account (the trainer's cloud identity may move aliases;
  the rollback needs that). Trainer pods mount no API token, so the Role is the hook's alone.
- Network: a NetworkPolicy admits only Alertmanager's pods (monitoring namespace) to its port.
- Callers: a bearer token (random, in a Secret mounted as a file; the same value is in
  Alertmanager's config, itself a Pulumi secret).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.kubernetes.pod_security import container_security_context, pod_security_context, resources

PORT = 8080
NAME = "mlfleet-alert-hook"
TOKEN_DIR = "/etc/mlfleet/alert-hook"
API_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
# kube-prometheus-stack's Alertmanager pods, as the Prometheus operator labels them
# (prometheus-operator pkg/alertmanager/statefulset.go: app.kubernetes.io/name=alertmanager).
ALERTMANAGER_POD = {"app.kubernetes.io/name": "alertmanager"}


def hook_url(namespace: str) -> str:
    """Where Alertmanager posts (the Service below)."""
    return f"http://{NAME}.{namespace}.svc:{PORT}/alerts"


def hook_token(name: str, opts: pulumi.ResourceOptions | None = None) -> random.RandomPassword:
    """The bearer token Alertmanager sends: created before the monitoring stack (its config carries
    it), kept in state as a secret."""
    return random.RandomPassword(f"{name}-token", length=48, special=False, opts=opts)


@dataclass(frozen=True)
class AlertHookArgs:
    namespace: str
    image: pulumi.Input[str]
    # model -> training CronJob name (the Job template the retrain copies).
    cronjobs: Mapping[str, pulumi.Input[str]]
    token: pulumi.Input[str]
    service_account: pulumi.Input[str]
    registry_url: pulumi.Input[str]
    monitoring_namespace: str = "monitoring"
    env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    env_secret: pulumi.Input[str] | None = None
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    # At most one retraining per model per window (seconds).
    window_seconds: int = 6 * 3600
    canary_alias: str = "candidate"
    primary_alias: str = "production"


class KubernetesAlertHook(pulumi.ComponentResource):
    url: str

    def __init__(
        self,
        name: str,
        args: AlertHookArgs,
        provider: k8s.Provider,
        labels: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:kubernetes:AlertHook", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        selector = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/instance": name}
        all_labels = {**labels, **selector, "app.kubernetes.io/part-of": "mlfleet"}

        def meta(object_name: str = NAME) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=args.namespace, labels=all_labels)

        secret = k8s.core.v1.Secret(
            f"{name}-token",
            metadata=meta(f"{NAME}-token"),
            string_data={"token": pulumi.Output.secret(args.token)},
            opts=child,
        )
        role = k8s.rbac.v1.Role(
            f"{name}-role",
            metadata=meta(),
            rules=[
                k8s.rbac.v1.PolicyRuleArgs(
                    api_groups=["batch"],
                    resources=["cronjobs"],
                    resource_names=list(args.cronjobs.values()),
                    verbs=["get"],
                ),
                # `create` cannot be limited by resourceNames (the name is not known before the
                # request: kubernetes.io RBAC docs, "Referring to resources").
                k8s.rbac.v1.PolicyRuleArgs(api_groups=["batch"], resources=["jobs"], verbs=["create"]),
            ],
            opts=child,
        )
        k8s.rbac.v1.RoleBinding(
            f"{name}-binding",
            metadata=meta(),
            role_ref=k8s.rbac.v1.RoleRefArgs(
                api_group="rbac.authorization.k8s.io", kind="Role", name=role.metadata.name
            ),
            subjects=[
                k8s.rbac.v1.SubjectArgs(
                    kind="ServiceAccount", name=args.service_account, namespace=args.namespace
                )
            ],
            opts=child,
        )
        k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=meta(),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                # One replica: the rate limit lives in its memory; the Job name per window keeps a
                # second run out even across restarts (alert_hook/alerts.py job_name).
                replicas=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels={**all_labels, **args.pod_labels}),
                    spec=_pod_spec(args, secret.metadata.name),
                ),
            ),
            opts=child,
        )
        k8s.core.v1.Service(
            f"{name}-svc",
            metadata=meta(),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=selector,
                ports=[k8s.core.v1.ServicePortArgs(name="http", port=PORT, target_port=PORT)],
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
                        from_=[
                            k8s.networking.v1.NetworkPolicyPeerArgs(
                                namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                                    match_labels={"kubernetes.io/metadata.name": args.monitoring_namespace}
                                ),
                                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=ALERTMANAGER_POD),
                            )
                        ],
                        ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=PORT, protocol="TCP")],
                    )
                ],
            ),
            opts=child,
        )
        self.url = hook_url(args.namespace)
        self.register_outputs({"url": self.url})


def _pod_spec(args: AlertHookArgs, secret_name: pulumi.Input[str]) -> k8s.core.v1.PodSpecArgs:
    env = {
        "MLFLEET_HOOK_TOKEN_FILE": f"{TOKEN_DIR}/token",
        "MLFLEET_HOOK_NAMESPACE": args.namespace,
        "MLFLEET_HOOK_CRONJOBS": pulumi.Output.from_input(dict(args.cronjobs)).apply(
            lambda jobs: json.dumps(jobs, sort_keys=True)
        ),
        "MLFLEET_HOOK_WINDOW_SECONDS": str(args.window_seconds),
        "MLFLEET_HOOK_CANARY_ALIAS": args.canary_alias,
        "MLFLEET_HOOK_PRIMARY_ALIAS": args.primary_alias,
        "MLFLEET_HOOK_PORT": str(PORT),
        "MLFLEET_REGISTRY": args.registry_url,
        **args.env,
    }
    probe = k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path="/healthz", port=PORT), period_seconds=10
    )
    return k8s.core.v1.PodSpecArgs(
        service_account_name=args.service_account,
        automount_service_account_token=False,
        security_context=pod_security_context(),
        containers=[
            k8s.core.v1.ContainerArgs(
                name="alert-hook",
                image=args.image,
                command=["python", "-m", "mlfleet_trainer.alert_hook"],
                env=[k8s.core.v1.EnvVarArgs(name=k, value=v) for k, v in sorted(env.items())],
                env_from=[
                    k8s.core.v1.EnvFromSourceArgs(
                        secret_ref=k8s.core.v1.SecretEnvSourceArgs(name=args.env_secret)
                    )
                ]
                if args.env_secret is not None
                else None,
                ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=PORT)],
                readiness_probe=probe,
                liveness_probe=probe,
                resources=resources("100m", "256Mi"),
                security_context=container_security_context(),
                volume_mounts=[
                    k8s.core.v1.VolumeMountArgs(name="token", mount_path=TOKEN_DIR, read_only=True),
                    k8s.core.v1.VolumeMountArgs(name="kube-api", mount_path=API_DIR, read_only=True),
                ],
            )
        ],
        volumes=[
            k8s.core.v1.VolumeArgs(
                name="token", secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=secret_name)
            ),
            # What automounting would give, for this pod only: an expiring token and the cluster CA
            # (kubernetes.io "Configure Service Accounts for Pods", projected token volume).
            k8s.core.v1.VolumeArgs(
                name="kube-api",
                projected=k8s.core.v1.ProjectedVolumeSourceArgs(
                    sources=[
                        k8s.core.v1.VolumeProjectionArgs(
                            service_account_token=k8s.core.v1.ServiceAccountTokenProjectionArgs(
                                path="token", expiration_seconds=3600
                            )
                        ),
                        k8s.core.v1.VolumeProjectionArgs(
                            config_map=k8s.core.v1.ConfigMapProjectionArgs(
                                name="kube-root-ca.crt",
                                items=[k8s.core.v1.KeyToPathArgs(key="ca.crt", path="ca.crt")],
                            )
                        ),
                    ]
                ),
            ),
        ],
    )
