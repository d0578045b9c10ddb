"""The trainer as a Kubernetes Job or CronJob, pinned to the GPU (or CPU) pool with the trainer identity."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s
import yaml
from mlfleet_trainer.config import PROMOTE_ENV

from components.kubernetes.node_pools import GPU_TAINT_KEY, POOL_LABEL
from components.kubernetes.pod_security import (
    container_security_context,
    pod_security_context,
    resources,
    scratch_volume,
)
from components.kubernetes.service_account import workload_service_account
from components.training_job import TrainingJobArgs

# Where the trainer finds its config (a read-only ConfigMap volume) when the stack gives one.
CONFIG_DIR = "/etc/mlfleet/trainer"
CONFIG_FILE = "train.yaml"


class KubernetesTrainingJob(pulumi.ComponentResource):
    job_name: pulumi.Output[str]
    namespace: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: TrainingJobArgs,
        provider: k8s.Provider,
        labels: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:kubernetes:TrainingJob", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        all_labels = {
            **labels,
            "app.kubernetes.io/name": "mlfleet-trainer",
            "app.kubernetes.io/instance": name,
            "app.kubernetes.io/part-of": "mlfleet",
        }
        meta = k8s.meta.v1.ObjectMetaArgs(name=name, namespace=args.namespace, labels=all_labels)
        account = workload_service_account(
            name,
            account_name=args.service_account or name,
            namespace=args.namespace,
            labels=all_labels,
            annotations=args.service_account_annotations,
            opts=child,
        )
        config_map = None
        if args.train_config is not None:
            config_map = k8s.core.v1.ConfigMap(
                f"{name}-config",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=f"{name}-config", namespace=args.namespace, labels=all_labels
                ),
                data={CONFIG_FILE: yaml.safe_dump(dict(args.train_config), sort_keys=False)},
                opts=child,
            )
        job_spec = k8s.batch.v1.JobSpecArgs(
            backoff_limit=2,
            active_deadline_seconds=args.deadline_seconds,
            ttl_seconds_after_finished=7 * 24 * 3600,
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(labels={**all_labels, **args.pod_labels}),
                spec=_pod_spec(args, account.metadata.name, config_map),
            ),
        )
        if args.schedule is None:
            job: k8s.batch.v1.Job | k8s.batch.v1.CronJob = k8s.batch.v1.Job(
                name, metadata=meta, spec=job_spec, opts=child
            )
        else:
            job = k8s.batch.v1.CronJob(
                name,
                metadata=meta,
                spec=k8s.batch.v1.CronJobSpecArgs(
                    schedule=args.schedule,
                    # Never two trainings of one model at once: they would race to publish.
                    concurrency_policy="Forbid",
                    successful_jobs_history_limit=3,
                    failed_jobs_history_limit=3,
                    job_template=k8s.batch.v1.JobTemplateSpecArgs(
                        metadata=k8s.meta.v1.ObjectMetaArgs(labels=all_labels), spec=job_spec
                    ),
                ),
                opts=child,
            )
        self.job_name = job.metadata.name
        self.namespace = pulumi.Output.from_input(args.namespace)
        self.register_outputs({"job_name": self.job_name, "namespace": self.namespace})


def _pod_spec(
    args: TrainingJobArgs, account: pulumi.Input[str], config_map: k8s.core.v1.ConfigMap | None
) -> k8s.core.v1.PodSpecArgs:
    volume, mount = scratch_volume()
    volumes, mounts = [volume], [mount]
    config_env = []
    if config_map is not None:
        volumes.append(
            k8s.core.v1.VolumeArgs(
                name="train-config",
                config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(name=config_map.metadata.name),
            )
        )
        mounts.append(k8s.core.v1.VolumeMountArgs(name="train-config", mount_path=CONFIG_DIR, read_only=True))
        config_env.append(
            k8s.core.v1.EnvVarArgs(name="MLFLEET_TRAIN_CONFIG", value=f"{CONFIG_DIR}/{CONFIG_FILE}")
        )
    gpus = args.gpus if args.pool == "gpu" else 0
    tolerations = (
        [k8s.core.v1.TolerationArgs(key=GPU_TAINT_KEY, operator="Exists", effect="NoSchedule")]
        if gpus
        else None
    )
    env = [
        k8s.core.v1.EnvVarArgs(name="MLFLEET_REGISTRY", value=args.registry_url),
        # Overrides the config file's model_name: the trainer publishes what the stack serves.
        k8s.core.v1.EnvVarArgs(name="MLFLEET_MODEL", value=args.model),
        *config_env,
        *([k8s.core.v1.EnvVarArgs(name=PROMOTE_ENV, value=args.promote_to)] if args.promote_to else []),
        *[k8s.core.v1.EnvVarArgs(name=key, value=value) for key, value in sorted(args.env.items())],
    ]
    return k8s.core.v1.PodSpecArgs(
        restart_policy="Never",
        service_account_name=account,
        security_context=pod_security_context(),
        node_selector={POOL_LABEL: args.pool} if args.pool != "any" else None,
        tolerations=tolerations,
        containers=[
            k8s.core.v1.ContainerArgs(
                name="trainer",
                image=args.image,
                env=env,
                env_from=[
                    k8s.core.v1.EnvFromSourceArgs(
                        secret_ref=k8s.core.v1.SecretEnvSourceArgs(name=args.env_secret)
                    )
                ]
                if args.env_secret is not None
                else None,
                resources=resources(args.cpu, args.memory, gpus),
                security_context=container_security_context(),
                volume_mounts=mounts,
            )
        ],
        volumes=volumes,
    )
