"""Identities: least-privilege workload identities for the platform's Kubernetes service accounts,
and a CI deployer identity federated from GitHub Actions OIDC (no static keys anywhere).

Workloads (service accounts in `namespace`): `trainer` reads and writes the registry prefix,
`serving` only reads it, `registry-sync` reads this registry and writes the sync destinations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pulumi

from components.cloud_dispatch import require_cloud, require_same_cloud
from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.model_bucket import ModelBucket, RegistryLocation
from components.target import CloudTarget

COMPONENT = "Identities"
WORKLOADS: tuple[str, ...] = ("trainer", "serving", "registry-sync")
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
# The GitHub environment of .github/workflows/drift.yml: its jobs get the read-only drift identity.
DRIFT_ENVIRONMENT = "drift"
# model-release.yml moves registry aliases (candidate, rollback, promote) as the CI deployer: its
# canary job runs `pulumi up` and signs alias moves in one `mlfleet release run` process, and the
# deployer could grant itself these anyway (it manages the stack's IAM, docs/delivery.md). So the
# deployer gets exactly this workload's registry grants (one source of truth) and the signing
# key's signer permissions (components/signing_key.py SIGNERS), nothing else of the data plane.
ALIAS_WRITER = "trainer"
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_REF_PART = re.compile(r"^[A-Za-z0-9_./-]+$")


@dataclass(frozen=True)
class GithubDeployer:
    """Who may assume the deployer identity: one repository, and one branch or one environment."""

    repository: str
    branch: str | None = None
    environment: str | None = None

    def __post_init__(self) -> None:
        if not _REPOSITORY.match(self.repository):
            raise ComponentArgumentError(
                COMPONENT,
                "github.repository",
                f"must be '<owner>/<name>' (got {self.repository!r})",
                "set mlfleet:github.repository to e.g. example-org/mlfleet",
            )
        if (self.branch is None) == (self.environment is None):
            raise ComponentArgumentError(
                COMPONENT,
                "github.branch/github.environment",
                "must name exactly one of a branch or a GitHub environment",
                "set mlfleet:github.branch (e.g. main) or mlfleet:github.environment (e.g. production)",
            )
        if self.environment == DRIFT_ENVIRONMENT:
            raise ComponentArgumentError(
                COMPONENT,
                "github.environment",
                f"'{DRIFT_ENVIRONMENT}' is the read-only drift workflow's environment",
                "deploy from another GitHub environment (e.g. staging, production)",
            )
        for argument, value in (("github.branch", self.branch), ("github.environment", self.environment)):
            if value is not None and not _REF_PART.match(value):
                raise ComponentArgumentError(
                    COMPONENT,
                    argument,
                    f"contains characters GitHub does not allow (got {value!r})",
                    "use letters, digits, '.', '_', '-' and '/'",
                )

    @property
    def subject(self) -> str:
        """The OIDC `sub` claim GitHub issues for a job of this repository on that branch/environment."""
        if self.environment is not None:
            return f"repo:{self.repository}:environment:{self.environment}"
        return f"repo:{self.repository}:ref:refs/heads/{self.branch}"

    @property
    def drift_subject(self) -> str:
        """The `sub` of the drift workflow's jobs: they get the read-only drift identity."""
        return f"repo:{self.repository}:environment:{DRIFT_ENVIRONMENT}"


@dataclass(frozen=True)
class IdentitiesArgs:
    namespace: str = "mlfleet"
    # The cluster's OIDC issuer (AWS: also the IAM OIDC provider ARN). Absent until a cluster exists.
    oidc_issuer_url: pulumi.Input[str] | None = None
    oidc_provider_arn: pulumi.Input[str] | None = None
    github: GithubDeployer | None = None
    # Registries registry-sync writes to (the replica bucket, other regions' registries), same cloud.
    # registry-sync reads the source registry prefix and writes only these destinations' prefixes.
    sync_destinations: Sequence[RegistryLocation] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not _DNS_LABEL.match(self.namespace):
            raise ComponentArgumentError(
                COMPONENT,
                "namespace",
                f"must be a Kubernetes namespace (DNS label, <= 63 chars; got {self.namespace!r})",
                "pass namespace='mlfleet'",
            )


@dataclass(frozen=True)
class WorkloadIdentity:
    """One Kubernetes service account's cloud identity."""

    service_account: str
    namespace: str
    # AWS role ARN / GCP service account email / Azure managed identity client id.
    principal: pulumi.Output[str]
    # Put these on the Kubernetes ServiceAccount so its pods get the cloud identity.
    annotations: dict[str, pulumi.Output[str]]
    # Azure: the managed identity's resource name (the cluster federates its OIDC issuer to it).
    resource_name: pulumi.Output[str] | None = None
    # Put these on the workload's pod template (Azure: the Workload Identity webhook mutates only
    # pods labelled azure.workload.identity/use=true).
    pod_labels: dict[str, str] = field(default_factory=dict)
    # Azure: the managed identity's object (principal) id, what role assignments name.
    object_id: pulumi.Output[str] | None = None


@dataclass(frozen=True)
class ReleaseIdentity:
    """The identity model-release.yml moves aliases with (today the CI deployer, see ALIAS_WRITER)."""

    # AWS role ARN / GCP service account email / Azure managed identity client id.
    principal: pulumi.Output[str]
    # Azure: the managed identity's object (principal) id, what role assignments name.
    object_id: pulumi.Output[str] | None = None


class Identities(Protocol):
    workloads: dict[str, WorkloadIdentity]
    # The CI deployer (role ARN / service account email / client id); None without mlfleet:github.
    deployer: pulumi.Output[str] | None
    # The drift workflow's read-only identity (same kinds); None without mlfleet:github.
    drift_reader: pulumi.Output[str] | None
    # Who may write the registry prefix and sign alias moves from CI; None without mlfleet:github.
    release: ReleaseIdentity | None


def identities(
    name: str,
    args: IdentitiesArgs,
    target: CloudTarget,
    context: PlatformContext,
    bucket: ModelBucket,
    opts: pulumi.ResourceOptions | None = None,
) -> Identities:
    """Create the workload and deployer identities on the target's cloud."""
    require_cloud(COMPONENT, target.cloud, ("aws", "gcp", "azure"))
    for index, destination in enumerate(args.sync_destinations):
        if not isinstance(destination, RegistryLocation) or destination.cloud != target.cloud:
            got = (
                destination.cloud if isinstance(destination, RegistryLocation) else type(destination).__name__
            )
            raise ComponentArgumentError(
                COMPONENT,
                f"sync_destinations[{index}]",
                f"is on {got}, but registry-sync runs on {target.cloud}",
                f"pass RegistryLocation(cloud='{target.cloud}', ...) for a registry on the same cloud",
            )
    if target.cloud == "aws":
        from components.aws.identities import AwsIdentities
        from components.aws.model_bucket import AwsModelBucket

        aws_bucket = require_same_cloud(COMPONENT, "bucket", bucket, AwsModelBucket, target.cloud)
        return AwsIdentities(name, args, target, context, aws_bucket, opts)
    if target.cloud == "gcp":
        from components.gcp.identities import GcpIdentities
        from components.gcp.model_bucket import GcpModelBucket

        gcp_bucket = require_same_cloud(COMPONENT, "bucket", bucket, GcpModelBucket, target.cloud)
        return GcpIdentities(name, args, target, context, gcp_bucket, opts)
    from components.azure.identities import AzureIdentities
    from components.azure.model_bucket import AzureModelBucket

    azure_bucket = require_same_cloud(COMPONENT, "bucket", bucket, AzureModelBucket, target.cloud)
    return AzureIdentities(name, args, target, context, azure_bucket, opts)
