"""An in-cluster S3-compatible object store (MinIO) for the model registry on the `local` stack."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.kubernetes.pod_security import container_security_context, pod_security_context, resources

IMAGE = "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z"
BUCKET = "models"


class InClusterObjectStore(pulumi.ComponentResource):
    registry_url: pulumi.Output[str]
    # Secret with AWS_* variables the registry library reads (endpoint and credentials).
    env_secret: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        namespace: str,
        provider: k8s.Provider,
        labels: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:kubernetes:ObjectStore", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        selector = {"app.kubernetes.io/name": "minio", "app.kubernetes.io/instance": name}
        meta = k8s.meta.v1.ObjectMetaArgs(name=name, namespace=namespace, labels={**labels, **selector})
        password = random.RandomPassword(
            f"{name}-root", length=32, special=False, opts=pulumi.ResourceOptions(parent=self)
        )
        endpoint = f"http://{name}.{namespace}.svc.cluster.local:9000"
        secret = k8s.core.v1.Secret(
            f"{name}-credentials",
            metadata=meta,
            string_data={
                "MINIO_ROOT_USER": "mlfleet",
                "MINIO_ROOT_PASSWORD": password.result,
                "AWS_ACCESS_KEY_ID": "mlfleet",
                "AWS_SECRET_ACCESS_KEY": password.result,
                "AWS_ENDPOINT_URL_S3": endpoint,
                "AWS_REGION": "us-east-1",
            },
            opts=child,
        )
        k8s.core.v1.PersistentVolumeClaim(
            f"{name}-data",
            metadata=meta,
            spec=k8s.core.v1.PersistentVolumeClaimSpecArgs(
                access_modes=["ReadWriteOnce"],
                resources=k8s.core.v1.VolumeResourceRequirementsArgs(requests={"storage": "10Gi"}),
            ),
            opts=child,
        )
        k8s.apps.v1.Deployment(
            name,
            metadata=meta,
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1,
                strategy=k8s.apps.v1.DeploymentStrategyArgs(type="Recreate"),
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=selector),
                    spec=k8s.core.v1.PodSpecArgs(
                        security_context=pod_security_context(),
                        containers=[
                            k8s.core.v1.ContainerArgs(
                                name="minio",
                                image=IMAGE,
                                # Creates the registry bucket as a directory before serving.
                                command=["sh", "-c", f"mkdir -p /data/{BUCKET} && exec minio server /data"],
                                env=[k8s.core.v1.EnvVarArgs(name="HOME", value="/data")],
                                env_from=[
                                    k8s.core.v1.EnvFromSourceArgs(
                                        secret_ref=k8s.core.v1.SecretEnvSourceArgs(name=secret.metadata.name)
                                    )
                                ],
                                ports=[k8s.core.v1.ContainerPortArgs(name="s3", container_port=9000)],
                                resources=resources("250m", "512Mi"),
                                security_context=container_security_context(),
                                readiness_probe=k8s.core.v1.ProbeArgs(
                                    http_get=k8s.core.v1.HTTPGetActionArgs(
                                        path="/minio/health/ready", port="s3"
                                    )
                                ),
                                volume_mounts=[k8s.core.v1.VolumeMountArgs(name="data", mount_path="/data")],
                            )
                        ],
                        volumes=[
                            k8s.core.v1.VolumeArgs(
                                name="data",
                                persistent_volume_claim=k8s.core.v1.PersistentVolumeClaimVolumeSourceArgs(
                                    claim_name=name
                                ),
                            )
                        ],
                    ),
                ),
            ),
            opts=child,
        )
        k8s.core.v1.Service(
            f"{name}-svc",
            metadata=meta,
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=selector, ports=[k8s.core.v1.ServicePortArgs(name="s3", port=9000, target_port="s3")]
            ),
            opts=child,
        )
        self.registry_url = pulumi.Output.from_input(f"s3://{BUCKET}/registry")
        self.env_secret = secret.metadata.name
        self.register_outputs({"registry_url": self.registry_url})
