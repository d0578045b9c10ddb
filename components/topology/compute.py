"""The compute section of the topology: training cluster, monitoring, serving and the training job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi
from mlfleet_serving.keys import API_KEY_HEADER

from components.context import PlatformContext
from components.errors import ConfigError
from components.image_content import content_tag
from components.image_push import pushed_image
from components.kubernetes.alert_hook import AlertHookArgs, KubernetesAlertHook, hook_token, hook_url
from components.kubernetes.monitoring.gpu_cost import gpu_idle_cost
from components.monitoring_stack import AlertReceiver, MonitoringStackArgs, monitoring_stack
from components.serving_service import ServingServiceArgs, check_pinned_image, serving_service
from components.target import CloudTarget

if TYPE_CHECKING:
    from components.addons.serving_edge import ServingEdge
from components.topology.compute_config import (
    MonitoringConfig,
    ServingConfig,
    TrainingJobConfig,
    trainer_promotes_to,
)
from components.topology.config import PlatformConfig, front_door_hostname, serving_hostname
from components.topology.private_access import build_private_access
from components.topology.registry_sync import CellParts
from components.topology.storage_identity import StorageLayer
from components.training_cluster import ClusterOperators, GpuPoolArgs, TrainingClusterArgs, training_cluster
from components.training_job import TrainingJobArgs, training_job

NAMESPACE = "mlfleet"


def _image(
    section: ServingConfig | TrainingJobConfig,
    repository: str,
    storage: StorageLayer | None,
    context: PlatformContext,
) -> pulumi.Input[str]:
    """A full pinned image from config, else `<stack registry repository>:<tag>`: by default the app's
    content tag (components/image_content.py), built and pushed by this update before the workloads
    (components/image_push.py); `imageTag` pins a release already in the registry, and a digest
    (`sha256:...`) gives `<repository>@sha256:...`: an image pushed to every cell's registry has one
    digest everywhere, and a registry without immutable tags (ACR) in prod must be pinned by it
    (k8s-image-digest-in-prod)."""
    key = f"mlfleet:{'serving' if isinstance(section, ServingConfig) else 'trainingJob'}"
    if section.image is None and storage is None:
        raise ConfigError(
            context.stack_file,
            f"{key}.image",
            "is required on cloud kubernetes (no registry is created)",
            f"pulumi config set --path {key}.image <repo>:<version> --stack {context.stack}",
        )
    tag = section.image_tag or content_tag(repository)
    separator = "@" if tag.startswith("sha256:") else ":"
    try:
        check_pinned_image("stack config", key, section.image or f"{repository}{separator}{tag}")
    except ValueError as exc:
        raise ConfigError(context.stack_file, key, str(exc), "pin an immutable tag or digest") from None
    if section.image is not None:
        return section.image
    assert storage is not None
    if section.image_tag is None:
        return pushed_image(context.name(f"images-push-{repository}"), storage.registry, repository, tag)
    return storage.registry.repository_urls[repository].apply(lambda url: f"{url}{separator}{tag}")


def alert_receivers(monitoring: MonitoringConfig, context: PlatformContext) -> dict[str, AlertReceiver]:
    """mlfleet:monitoring.receivers as Alertmanager receivers; secret fields only as Pulumi secrets."""
    key = "mlfleet:monitoring.receivers"
    if not monitoring.receivers:
        raise ConfigError(
            context.stack_file,
            key,
            "is empty: Alertmanager would send the alerts to no one",
            "add at least one receiver, e.g. pulumi config set --path "
            f"'{key}.oncall.email.smarthost' smtp.example.com:587 --stack {context.stack} (plus .from), "
            "see docs/components.md (Alert receivers)",
        )
    secret_config = pulumi.runtime.is_config_secret("mlfleet:monitoring")

    def secret(value: Any, where: str) -> pulumi.Output[str] | None:
        if value is None:
            return None
        if not secret_config:
            raise ConfigError(
                context.stack_file,
                f"{key}.{where}",
                "is in plain text, but it is a credential",
                f"pulumi config set --secret --path '{key}.{where}' <value> --stack {context.stack}",
            )
        return pulumi.Output.secret(value.get_secret_value())

    out: dict[str, AlertReceiver] = {}
    for name, receiver in monitoring.receivers.items():
        settings: dict[str, Any]
        if receiver.email is not None:
            email = receiver.email
            to = email.to or monitoring.alert_email
            if not to:
                raise ConfigError(
                    context.stack_file,
                    f"{key}.{name}.email.to",
                    "is not set and there is no mlfleet:monitoring.alertEmail to default to",
                    f"pulumi config set --path '{key}.{name}.email.to' oncall@example.com "
                    f"--stack {context.stack}",
                )
            settings = {
                "to": to,
                "from": email.sender,
                "smarthost": email.smarthost,
                "auth_username": email.auth_username,
                "auth_password": secret(email.auth_password, f"{name}.email.authPassword"),
                "require_tls": email.require_tls,
            }
        elif receiver.slack is not None:
            settings = {
                "api_url": secret(receiver.slack.webhook_url, f"{name}.slack.webhookUrl"),
                "channel": receiver.slack.channel,
            }
        elif receiver.pagerduty is not None:
            settings = {"routing_key": secret(receiver.pagerduty.routing_key, f"{name}.pagerduty.routingKey")}
        else:
            assert receiver.webhook is not None
            token = secret(receiver.webhook.secret, f"{name}.webhook.secret")
            settings = {
                "url": receiver.webhook.url,
                "http_config": {"authorization": {"type": "Bearer", "credentials": token}} if token else None,
            }
        out[name] = AlertReceiver(receiver.kind, tuple(receiver.routed()), settings)  # type: ignore[arg-type]
    return out


def shared_hostnames(config: PlatformConfig, stack: str) -> tuple[str, ...]:
    """Names every cell serves besides its own: the front door's global hostname (mlfleet:frontDoor;
    cell_config pins it, since a cell's own mlfleet:serving.hostname is `<cell>.<global name>`)."""
    return (front_door_hostname(config, stack),) if config.front_door else ()


def _serving_edge(
    config: PlatformConfig, context: PlatformContext, target: CloudTarget, cluster: Any, provider: Any
) -> ServingEdge:
    """TLS certificate, Ingress controller and DNS record for the serving hostname (mlfleet:dns)."""
    from components.addons.serving_edge import DnsZone, ServingEdgeArgs, serving_edge

    dns = config.dns
    assert dns is not None  # load_config requires it on aws, gcp and azure
    return serving_edge(
        context.name("edge"),
        config.cloud,
        ServingEdgeArgs(
            hostname=serving_hostname(config, context.stack),
            zone=DnsZone(
                domain=dns.zone,
                route53_zone_id=dns.zone_id,
                cloud_dns_zone=dns.managed_zone,
                cloud_dns_project=dns.project,
                azure_resource_group=dns.resource_group,
            ),
            # Unique per stack and cell: the TXT owner of the records this cell's external-dns writes.
            owner_id=context.name("serving"),
            namespace=NAMESPACE,
            cluster_name=cluster.cluster_name,
            vpc_id=getattr(cluster, "vpc_id", None),
            oidc_issuer=cluster.oidc_issuer,
            acme_email=config.monitoring.alert_email,
            depends_on=[cluster],
            shared_hostnames=shared_hostnames(config, context.stack),
        ),
        target,
        context,
        provider,
    )


def cluster_operators(storage: StorageLayer | None) -> ClusterOperators | None:
    """The CI deployer and drift reader get in-cluster access (EKS access entries, GKE IAM roles)."""
    ids = storage.identities if storage else None
    if ids is None or ids.deployer is None or ids.drift_reader is None:
        return None
    return ClusterOperators(admin=ids.deployer, reader=ids.drift_reader)


def build_compute_layer(
    config: PlatformConfig,
    context: PlatformContext,
    target: CloudTarget,
    storage: StorageLayer | None,
    parts: dict[str, CellParts] | None = None,
    trains: bool = True,
) -> dict[str, Any]:
    """The cell's compute and its outputs; `parts` (multi-cell stacks) receives what the global layer
    wires across cells (the registry sync). `trains`: whether the cell runs the training job; in a
    multi-cell stack only the primary does, and the sync copies its versions into the other cells (a
    version trained in another cell would collide with the primary's of the same number, and a
    standby's weekly run would start a GPU node for nothing)."""
    cluster_config = config.cluster
    local = config.cloud == "kubernetes"
    cluster_args = TrainingClusterArgs(
        kubernetes_version=cluster_config.kubernetes_version,
        **({"network_cidr": cluster_config.network_cidr} if cluster_config.network_cidr else {}),
        private_endpoint=cluster_config.private_endpoint or local,
        authorized_cidrs=tuple(cluster_config.authorized_cidrs),
        spot=cluster_config.spot,
        cpu_max_nodes=cluster_config.cpu_max_nodes,
        gpu_pools={
            name: GpuPoolArgs(p.instance_type, p.accelerator, p.gpus_per_node, p.max_nodes)
            for name, p in cluster_config.gpu_pools.items()
        },
        encryption_key=storage.key.key_id if storage else None,
        key_vault_id=getattr(storage.key, "vault_id", None) if storage else None,
        # The identities exist before the cluster: the cluster binds their service accounts.
        workload_identities=storage.identities.workloads if storage else {},
        operators=cluster_operators(storage),
    )
    cluster = training_cluster(context.name("gpu"), cluster_args, target, context)
    # AKS: private endpoints so nodes and pods reach the closed registry, vault and storage account.
    build_private_access(context, target, cluster, storage)
    # AKS: the ACR Tasks agent pool in the VNet that builds and pushes the images (closed registry);
    # none where every image is pinned in config (nothing to push, and the pool is billed while it exists).
    acr_tasks_subnet = getattr(cluster, "acr_tasks_subnet_id", None)
    pushes = any(s.image is None and s.image_tag is None for s in (config.serving, config.training_job))
    if storage is not None and acr_tasks_subnet is not None and pushes:
        from components.azure.acr_agent_pool import acr_agent_pool
        from components.azure.container_registry import AzureContainerRegistry

        assert isinstance(storage.registry, AzureContainerRegistry)  # an AKS cell's registry is ACR
        acr_agent_pool(context.name("images-builds"), storage.registry, acr_tasks_subnet, target, context)
    provider = cluster.k8s_provider
    namespaces = getattr(cluster, "namespaces", None)
    after_namespaces = pulumi.ResourceOptions(depends_on=[namespaces] if namespaces else [])
    labels = context.tags()
    # The closed loop (docs/delivery.md): where a training CronJob exists to start runs from, alerts
    # labelled `action` go to the alert hook, which Alertmanager authenticates to with this token.
    loop_token = hook_token(context.name("alert-hook")) if trains and config.training_job.schedule else None
    monitoring = monitoring_stack(
        context.name("monitoring"),
        MonitoringStackArgs(
            retention=config.monitoring.retention,
            storage_size=config.monitoring.storage_size,
            storage_class=config.monitoring.storage_class,
            alert_email=config.monitoring.alert_email,
            alert_receivers=alert_receivers(config.monitoring, context),
            alert_hook={"url": hook_url(NAMESPACE), "token": loop_token.result} if loop_token else None,
            # MlfleetGpuIdleCost: the GPU pools' list prices and the idle-GPU budget (docs/pricing.md).
            gpu_idle_cost=gpu_idle_cost(
                target.cloud,
                target.region,
                {name: pool.instance_type for name, pool in cluster_config.gpu_pools.items()},
                cluster_args.use_spot(context),
                config.budget.gpu_idle_usd if config.budget else None,
            ),
        ),
        provider,
        labels,
        after_namespaces,
    )
    edge = None
    if config.cloud in ("aws", "gcp", "azure"):
        # GPU telemetry: no cloud feeds DCGM metrics to the in-cluster Prometheus (docs/addons-*.md);
        # its ServiceMonitor needs the monitoring chart's CRDs. GKE: its driver paths.
        from components.addons.dcgm_exporter import dcgm_exporter

        dcgm_exporter(
            context.name("dcgm"),
            provider,
            pulumi.ResourceOptions(depends_on=[monitoring.release]),
            gke=config.cloud == "gcp",
        )
        edge = _serving_edge(config, context, target, cluster, provider)
    env_secret: pulumi.Input[str] | None = None
    if storage is not None:
        registry_url: pulumi.Input[str] = storage.bucket.registry_url
    else:
        from components.kubernetes.object_store import InClusterObjectStore

        store = InClusterObjectStore(context.name("objects"), NAMESPACE, provider, labels, after_namespaces)
        registry_url, env_secret = store.registry_url, store.env_secret

    def identity(workload: str) -> tuple[str | None, dict[str, Any], dict[str, str]]:
        """Service account name, its annotations and the pod labels that bind `workload`'s identity."""
        if storage is None or workload not in storage.identities.workloads:
            return None, {}, {}
        found = storage.identities.workloads[workload]
        return found.service_account, dict(found.annotations), dict(found.pod_labels)

    serving_account, serving_annotations, serving_pod_labels = identity("serving")
    serving = config.serving
    service = serving_service(
        context.name("serving"),
        ServingServiceArgs(
            image=_image(serving, "serving", storage, context),
            model=serving.model,
            alias=serving.alias,
            registry_url=registry_url,
            hostname=serving_hostname(config, context.stack),
            shared_hostnames=shared_hostnames(config, context.stack) if edge else (),
            namespace=NAMESPACE,
            service_account=serving_account,
            service_account_annotations=serving_annotations,
            pod_labels=serving_pod_labels,
            env=storage.workload_env("serving") if storage else {},
            env_secret=env_secret,
            min_replicas=1 if local else serving.min_replicas,
            max_replicas=serving.max_replicas,
            cpu=serving.cpu,
            memory=serving.memory,
            canary_alias=serving.canary.alias if serving.canary else None,
            canary_weight=serving.canary.weight if serving.canary else 0.0,
            shadow_alias=serving.shadow.alias if serving.shadow else None,
            alias_max_age_seconds=config.front_door.registry_max_age if config.front_door else 0,
            network_cidr=cluster_args.network_cidr,
            tls_cluster_issuer=edge.tls_cluster_issuer if edge else None,
            ingress_annotations=edge.ingress_annotations if edge else {},
            ingress_depends_on=edge.ready if edge else (),
        ),
        config.cloud,
        provider,
        labels,
        # The ServiceMonitor needs the chart's CRDs.
        pulumi.ResourceOptions(depends_on=[monitoring.release, *([namespaces] if namespaces else [])]),
    )
    alert_email = config.monitoring.alert_email
    if alert_email and config.cloud in ("aws", "gcp", "azure"):
        from components.lb_5xx_alarm import LoadBalancer5xxAlarmArgs, load_balancer_5xx_alarm

        load_balancer = getattr(service, "load_balancer_name", None) or context.name("serving")
        load_balancer_5xx_alarm(
            context.name("lb-5xx"),
            LoadBalancer5xxAlarmArgs(
                email=alert_email,
                load_balancer=load_balancer,
                namespace=NAMESPACE,
                # Azure: the AKS cluster's managed Prometheus metrics (None elsewhere).
                cluster_id=getattr(cluster, "cluster_id", None),
                cluster_name=cluster.cluster_name if config.cloud == "azure" else None,
                metrics_workspace_id=getattr(cluster, "metrics_workspace_id", None),
            ),
            target,
            context,
            # The load balancer exists once the serving Ingress is ready.
            pulumi.ResourceOptions(depends_on=[service]),  # type: ignore[list-item]
        )
    job_config = config.training_job
    job = None
    if trains:
        trainer_account, trainer_annotations, trainer_pod_labels = identity("trainer")
        job_config = config.training_job
        file_model = (job_config.config or {}).get("model_name")
        if file_model is not None and file_model != serving.model:
            raise ConfigError(
                context.stack_file,
                "mlfleet:trainingJob.config.model_name",
                f"is {file_model!r} but mlfleet:serving.model is {serving.model!r} (the Job's MLFLEET_MODEL, "
                "which overrides it: the trainer publishes the model the stack serves)",
                "remove it, or pulumi config set --path mlfleet:serving.model "
                f"{file_model} --stack {context.stack}",
            )
        job = training_job(
            context.name("train"),
            TrainingJobArgs(
                image=_image(job_config, "trainer", storage, context),
                registry_url=registry_url,
                model=serving.model,
                namespace=NAMESPACE,
                service_account=trainer_account,
                service_account_annotations=trainer_annotations,
                pod_labels=trainer_pod_labels,
                env=storage.workload_env("trainer") if storage else {},
                env_secret=env_secret,
                schedule=job_config.schedule,
                train_config=job_config.config,
                promote_to=trainer_promotes_to(config.environment, job_config),
                pool="any" if local else job_config.pool,  # type: ignore[arg-type]
            ),
            provider,
            labels,
            after_namespaces,
        )
        if loop_token is not None:
            KubernetesAlertHook(
                context.name("alert-hook"),
                AlertHookArgs(
                    namespace=NAMESPACE,
                    image=_image(job_config, "trainer", storage, context),
                    cronjobs={serving.model: job.job_name},
                    token=loop_token.result,
                    # The trainer's identity: the rollback moves registry aliases as the trainer may.
                    service_account=trainer_account or context.name("train"),
                    registry_url=registry_url,
                    env=storage.workload_env("trainer") if storage else {},
                    env_secret=env_secret,
                    pod_labels=trainer_pod_labels,
                    canary_alias=serving.canary.alias if serving.canary else "candidate",
                    primary_alias=serving.alias,
                ),
                provider,
                labels,
                pulumi.ResourceOptions(depends_on=[job]),  # type: ignore[list-item]
            )
    if parts is not None:
        parts[context.cell] = CellParts(
            storage=storage,
            cluster=cluster,
            provider=provider,
            trainer_image=_image(job_config, "trainer", storage, context) if trains else None,
            namespace=NAMESPACE,
            labels=labels,
            opts=after_namespaces,
        )
    return {
        "clusterName": cluster.cluster_name,
        "kubeconfig": cluster.kubeconfig,
        "servingEndpoint": service.endpoint_hostname,
        **({"trainingJob": job.job_name} if job is not None else {}),
        # `pulumi stack output servingApiKey --show-secrets`; send it as servingApiKeyHeader.
        "servingApiKey": service.api_key,
        "servingApiKeyHeader": API_KEY_HEADER,
        "grafanaAdminPassword": monitoring.grafana_admin_password,
    }
