"""GCP Identities: one service account per workload bound to its Kubernetes service account with
GKE Workload Identity, bucket access scoped to the registry prefix by IAM conditions, and a GitHub
Actions deployer through Workload Identity Federation (pool + provider with an attribute condition)."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.context import PlatformContext, compact_name
from components.gcp import deployer_permissions
from components.gcp.model_bucket import GcpModelBucket
from components.identities import GITHUB_ISSUER, GithubDeployer, IdentitiesArgs, WorkloadIdentity
from components.target import CloudTarget

SA_ANNOTATION = "iam.gke.io/gcp-service-account"
# Predefined object roles only: never basic (owner/editor/viewer) or admin roles.
READ_ROLE = "roles/storage.objectViewer"
WRITE_ROLE = "roles/storage.objectCreator"


def prefix_condition(
    bucket_name: pulumi.Input[str], prefix: str, title: str
) -> gcp.storage.BucketIAMMemberConditionArgs:
    """IAM condition: objects under the registry prefix (and the bucket itself, for listing)."""
    expression = pulumi.Output.from_input(bucket_name).apply(
        lambda b: (
            f'resource.name.startsWith("projects/_/buckets/{b}/objects/{prefix}/")'
            f' || resource.name == "projects/_/buckets/{b}"'
        )
    )
    return gcp.storage.BucketIAMMemberConditionArgs(title=title, expression=expression)


class GcpIdentities(pulumi.ComponentResource):
    workloads: dict[str, WorkloadIdentity]
    deployer: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        args: IdentitiesArgs,
        target: CloudTarget,
        context: PlatformContext,
        bucket: GcpModelBucket,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:gcp:Identities", name, None, opts)
        destinations = args.sync_destinations
        self.workloads = {}
        for workload in ("trainer", "serving", "registry-sync"):
            account = gcp.serviceaccount.Account(
                f"{name}-{workload}",
                account_id=compact_name(f"{name}-{workload}", 30),
                display_name=f"mlfleet {workload} ({args.namespace}/{workload})",
                project=target.project,
                opts=target.opts(self),
            )
            member = account.email.apply(lambda email: f"serviceAccount:{email}")
            gcp.serviceaccount.IAMMember(
                f"{name}-{workload}-wi",
                service_account_id=account.name,
                role="roles/iam.workloadIdentityUser",
                member=f"serviceAccount:{target.project}.svc.id.goog[{args.namespace}/{workload}]",
                opts=target.opts(self),
            )
            grants: list[tuple[pulumi.Input[str], str, str]] = [
                (bucket.bucket_name, bucket.prefix, READ_ROLE)
            ]
            if workload == "trainer":
                grants.append((bucket.bucket_name, bucket.prefix, WRITE_ROLE))
            if workload == "registry-sync":
                grants += [
                    (d.bucket, d.prefix, role) for d in destinations for role in (READ_ROLE, WRITE_ROLE)
                ]
            for index, (granted, prefix, role) in enumerate(grants):
                gcp.storage.BucketIAMMember(
                    f"{name}-{workload}-{index}",
                    bucket=granted,
                    role=role,
                    member=member,
                    condition=prefix_condition(granted, prefix, f"{prefix}-prefix-only"),
                    opts=target.opts(self),
                )
            self.workloads[workload] = WorkloadIdentity(
                workload, args.namespace, account.email, {SA_ANNOTATION: account.email}
            )
        self.deployer = None
        if args.github is not None:
            self.deployer = self._deployer(name, args.github, target, context)
        outputs: dict[str, Any] = {w: i.principal for w, i in self.workloads.items()}
        self.register_outputs({"workloads": outputs, "deployer": self.deployer})

    def _deployer(
        self, name: str, github: GithubDeployer, target: CloudTarget, context: PlatformContext
    ) -> pulumi.Output[str]:
        """Workload Identity Federation: only the configured repo + branch/environment may impersonate."""
        pool = gcp.iam.WorkloadIdentityPool(
            f"{name}-github",
            workload_identity_pool_id=compact_name(f"{name}-github", 32),
            display_name="GitHub Actions",
            project=target.project,
            opts=target.opts(self),
        )
        if github.environment is not None:
            scope = f'assertion.environment == "{github.environment}"'
        else:
            scope = f'assertion.ref == "refs/heads/{github.branch}"'
        gcp.iam.WorkloadIdentityPoolProvider(
            f"{name}-github",
            workload_identity_pool_id=pool.workload_identity_pool_id,
            workload_identity_pool_provider_id="github-actions",
            project=target.project,
            attribute_mapping={
                "google.subject": "assertion.sub",
                "attribute.repository": "assertion.repository",
                "attribute.ref": "assertion.ref",
                "attribute.environment": "assertion.environment",
            },
            attribute_condition=f'assertion.repository == "{github.repository}" && {scope}',
            oidc=gcp.iam.WorkloadIdentityPoolProviderOidcArgs(issuer_uri=GITHUB_ISSUER),
            opts=target.opts(self),
        )
        account = gcp.serviceaccount.Account(
            f"{name}-deployer",
            account_id=compact_name(f"{name}-deployer", 30),
            display_name=f"mlfleet CI deployer ({github.subject})",
            project=target.project,
            opts=target.opts(self),
        )
        gcp.serviceaccount.IAMMember(
            f"{name}-deployer-wif",
            service_account_id=account.name,
            role="roles/iam.workloadIdentityUser",
            member=pool.name.apply(
                lambda pool_name: (
                    f"principalSet://iam.googleapis.com/{pool_name}/attribute.repository/{github.repository}"
                )
            ),
            opts=target.opts(self),
        )
        role = gcp.projects.IAMCustomRole(
            f"{name}-deployer",
            role_id=compact_name(f"{name}-deployer", 64, alphanumeric=True),
            title=f"mlfleet deployer ({context.prefix})",
            # Generated from the type table (components/gcp/deployer_permissions.py).
            permissions=deployer_permissions.permissions(),
            project=target.project,
            opts=target.opts(self),
        )
        gcp.projects.IAMMember(
            f"{name}-deployer",
            project=str(target.project),
            role=role.name,
            member=account.email.apply(lambda email: f"serviceAccount:{email}"),
            opts=target.opts(self),
        )
        return account.email
