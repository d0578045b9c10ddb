"""The registry sync as Kubernetes CronJobs in the primary cell's cluster: one per destination cell,
concurrencyPolicy Forbid (two runs into one destination would only race; the sync is idempotent and
resumable, so the next run finishes what a killed one left).

Each pod runs `mlfleet-registry sync <destination>` from the image's registry library as the
`registry-sync` service account: the source is read with that account's own cloud identity; the
destination's cloud accepts a projected token of that account (audience per destination cloud) and
the client configuration the destination's writer gives (environment, and files from a ConfigMap).
Plain command, args, env and volumes: what the rehearsal's pod runner reads from a plan.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.pod_security import (
    container_security_context,
    pod_security_context,
    resources,
    scratch_volume,
)
from components.kubernetes.service_account import workload_service_account
from components.registry_sync import (
    CONFIG_DIR,
    SERVICE_ACCOUNT,
    TOKEN_DIR,
    TOKEN_FILE,
    RegistrySyncArgs,
    SyncDestination,
)

# Projected tokens are refreshed by the kubelet; an hour is what the clouds' STS accept and the
# kubelet's default rotation handles (it rotates at 80% of the lifetime).
TOKEN_SECONDS = 3600


class KubernetesRegistrySync(pulumi.ComponentResource):
    job_names: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        args: RegistrySyncArgs,
        provider: k8s.Provider,
        labels: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:kubernetes:RegistrySync", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        all_labels = {
            **labels,
            "app.kubernetes.io/name": "mlfleet-registry-sync",
            "app.kubernetes.io/instance": name,
            "app.kubernetes.io/part-of": "mlfleet",
        }
        account = workload_service_account(
            name,
            account_name=SERVICE_ACCOUNT,
            namespace=args.namespace,
            labels=all_labels,
            annotations=args.service_account_annotations,
            opts=child,
        )
        self.job_names = {}
        for cell, destination in sorted(args.destinations.items()):
            job = f"{name}-{cell}"
            job_labels = {**all_labels, "mlfleet-sync-destination": cell}
            config_map = None
            if destination.credentials.files:
                config_map = k8s.core.v1.ConfigMap(
                    f"{job}-client",
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        name=f"{job}-client", namespace=args.namespace, labels=job_labels
                    ),
                    data=dict(destination.credentials.files),
                    opts=child,
                )
            job_spec = k8s.batch.v1.JobSpecArgs(
                backoff_limit=1,
                active_deadline_seconds=args.deadline_seconds,
                ttl_seconds_after_finished=24 * 3600,
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels={**job_labels, **args.pod_labels}),
                    spec=_pod_spec(args, destination, account.metadata.name, config_map),
                ),
            )
            cron = k8s.batch.v1.CronJob(
                job,
                metadata=k8s.meta.v1.ObjectMetaArgs(name=job, namespace=args.namespace, labels=job_labels),
                spec=k8s.batch.v1.CronJobSpecArgs(
                    schedule=args.schedule,
                    concurrency_policy="Forbid",
                    # A run missed by more than this is skipped; the next one catches up anyway.
                    starting_deadline_seconds=300,
                    successful_jobs_history_limit=3,
                    failed_jobs_history_limit=3,
                    job_template=k8s.batch.v1.JobTemplateSpecArgs(
                        metadata=k8s.meta.v1.ObjectMetaArgs(labels=job_labels), spec=job_spec
                    ),
                ),
                opts=child,
            )
            self.job_names[cell] = cron.metadata.name
        self.register_outputs({"job_names": self.job_names})


def _pod_spec(
    args: RegistrySyncArgs,
    destination: SyncDestination,
    account: pulumi.Input[str],
    config_map: k8s.core.v1.ConfigMap | None,
) -> k8s.core.v1.PodSpecArgs:
    scratch, scratch_mount = scratch_volume()
    credentials = destination.credentials
    volumes, mounts = [scratch], [scratch_mount]
    if credentials.audience is not None:
        # The service account token the destination cloud trusts, with its audience (kubelet-rotated).
        token = k8s.core.v1.ServiceAccountTokenProjectionArgs(
            audience=credentials.audience, expiration_seconds=TOKEN_SECONDS, path=TOKEN_FILE
        )
        volumes.append(
            k8s.core.v1.VolumeArgs(
                name="destination-token",
                projected=k8s.core.v1.ProjectedVolumeSourceArgs(
                    sources=[k8s.core.v1.VolumeProjectionArgs(service_account_token=token)]
                ),
            )
        )
        mounts.append(
            k8s.core.v1.VolumeMountArgs(name="destination-token", mount_path=TOKEN_DIR, read_only=True)
        )
    if config_map is not None:
        volumes.append(
            k8s.core.v1.VolumeArgs(
                name="destination-client",
                config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(name=config_map.metadata.name),
            )
        )
        mounts.append(
            k8s.core.v1.VolumeMountArgs(name="destination-client", mount_path=CONFIG_DIR, read_only=True)
        )
    env = {**args.source_env, **credentials.env, "MLFLEET_REGISTRY": args.source_url}
    return k8s.core.v1.PodSpecArgs(
        restart_policy="Never",
        service_account_name=account,
        security_context=pod_security_context(),
        containers=[
            k8s.core.v1.ContainerArgs(
                name="sync",
                image=args.image,
                command=["mlfleet-registry"],
                args=["sync", destination.registry_url],
                env=[k8s.core.v1.EnvVarArgs(name=key, value=value) for key, value in sorted(env.items())],
                resources=resources(args.cpu, args.memory),
                security_context=container_security_context(),
                volume_mounts=mounts,
            )
        ],
        volumes=volumes,
    )
