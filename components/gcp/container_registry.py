"""GCP ContainerRegistry: one Artifact Registry docker repository for the app images: immutable
tags, CMEK, a cleanup policy for untagged images, and vulnerability scanning on push."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.container_registry import ContainerRegistryArgs
from components.context import PlatformContext
from components.gcp.encryption_key import GcpEncryptionKey
from components.gcp.service_agents import grant_key_use, service_agent
from components.target import CloudTarget

SECONDS_PER_DAY = 86_400


class GcpContainerRegistry(pulumi.ComponentResource):
    repository_urls: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        args: ContainerRegistryArgs,
        target: CloudTarget,
        context: PlatformContext,
        key: GcpEncryptionKey,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:gcp:ContainerRegistry", name, None, opts)
        agent = service_agent(target, "gcp-sa-artifactregistry.iam.gserviceaccount.com")
        key_grant = grant_key_use(f"{name}-ar-key", key.key_id, agent, target, self)
        # Artifact Registry scans pushed images once the Container Scanning API is on.
        scanning = gcp.projects.Service(
            f"{name}-scanning",
            project=target.project,
            service="containerscanning.googleapis.com",
            disable_on_destroy=False,
            opts=target.opts(self),
        )
        repository = gcp.artifactregistry.Repository(
            name,
            repository_id=name,
            project=target.project,
            location=target.region,
            format="DOCKER",
            description="mlfleet app images",
            kms_key_name=key.key_id,
            docker_config=gcp.artifactregistry.RepositoryDockerConfigArgs(immutable_tags=True),
            cleanup_policy_dry_run=False,
            cleanup_policies=[
                gcp.artifactregistry.RepositoryCleanupPolicyArgs(
                    id="delete-untagged",
                    action="DELETE",
                    condition=gcp.artifactregistry.RepositoryCleanupPolicyConditionArgs(
                        tag_state="UNTAGGED", older_than=f"{args.untagged_expiry_days * SECONDS_PER_DAY}s"
                    ),
                )
            ],
            labels=context.labels(),
            opts=target.opts(
                self, protect=args.protect, retain_on_delete=args.protect, depends_on=[key_grant, scanning]
            ),
        )
        host = f"{target.region}-docker.pkg.dev"
        self.repository_urls = {
            image: pulumi.Output.concat(
                host, "/", repository.project, "/", repository.repository_id, "/", image
            )
            for image in args.images
        }
        self.register_outputs({"repository_urls": self.repository_urls})
