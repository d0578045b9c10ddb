"""GCP destination of a cross-cloud registry sync: Workload Identity Federation. A pool with an OIDC
provider whose issuer is the primary cell's cluster (EKS/AKS issuer URL), `google.subject =
assertion.sub` and a condition on the exact `system:serviceaccount:<ns>:registry-sync`; that principal
may impersonate one service account, which may read and create objects under this registry's prefix
only. The pod's client reads an `external_account` credential configuration (no secret in it) that
exchanges its projected token at Google's STS.

The token's audience is the provider's full resource name: with no `allowed_audiences`, "the OIDC
token audience must be equal to the full canonical resource name of the WorkloadIdentityPoolProvider,
with or without the HTTPS prefix" (IAM v1 WorkloadIdentityPoolProvider.Oidc.allowed_audiences).
"""

from __future__ import annotations

import json

import pulumi
import pulumi_gcp as gcp

from components.context import PlatformContext, compact_name
from components.gcp.identities import READ_ROLE, WRITE_ROLE, pool_subject_account, prefix_condition
from components.gcp.model_bucket import GcpModelBucket
from components.registry_sync import CONFIG_DIR, RegistrySyncWriterArgs, SyncCredentials, subject, token_path
from components.target import CloudTarget

# google.auth.default() reads `$CLOUDSDK_CONFIG/application_default_credentials.json` (google-auth 2.62.2
# _default.py _get_gcloud_sdk_credentials, _cloud_sdk.py get_config_path/_CREDENTIALS_FILENAME,
# environment_vars.CLOUD_SDK_CONFIG_DIR). Not GOOGLE_APPLICATION_CREDENTIALS: the pack's
# k8s-no-secret-env-literals rule reads a *CREDENTIALS variable as a secret value; this one holds none.
CONFIG_ENV = "CLOUDSDK_CONFIG"
CREDENTIALS_FILE = "application_default_credentials.json"


def external_account(audience: str, service_account_email: str) -> str:
    """The credential configuration google.auth.default() loads (from CONFIG_ENV's directory): the
    field names of google-auth 2.62.2 google/auth/external_account.py (`from_info`: audience,
    subject_token_type, token_url, service_account_impersonation_url, credential_source) and
    identity_pool.py (file-sourced `credential_source.file`), as `gcloud iam workload-identity-pools
    create-cred-config --credential-source-file` writes it."""
    return json.dumps(
        {
            "type": "external_account",
            "audience": audience,
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": "https://sts.googleapis.com/v1/token",
            "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/"
            f"serviceAccounts/{service_account_email}:generateAccessToken",
            "credential_source": {"file": token_path()},
        },
        indent=2,
        sort_keys=True,
    )


def grant_prefix(
    name: str, email: pulumi.Input[str], bucket: GcpModelBucket, target: CloudTarget, parent: pulumi.Resource
) -> None:
    """Object viewer + creator for `email` on the registry prefix only (IAM condition)."""
    member = pulumi.Output.from_input(email).apply(lambda address: f"serviceAccount:{address}")
    for role in (READ_ROLE, WRITE_ROLE):
        gcp.storage.BucketIAMMember(
            f"{name}-{role.rsplit('.', 1)[-1].lower()}",
            bucket=bucket.bucket_name,
            role=role,
            member=member,
            condition=prefix_condition(bucket.bucket_name, bucket.prefix, f"{bucket.prefix}-prefix-only"),
            opts=target.opts(parent),
        )


class GcpRegistrySyncGrant(pulumi.ComponentResource):
    """A destination in another GCP region: the primary's `registry-sync` service account may write there."""

    principal: pulumi.Output[str]
    credentials: SyncCredentials

    def __init__(
        self,
        name: str,
        source_email: pulumi.Input[str],
        target: CloudTarget,
        bucket: GcpModelBucket,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:gcp:RegistrySyncGrant", name, None, opts)
        self.principal = pulumi.Output.from_input(source_email)
        grant_prefix(name, self.principal, bucket, target, self)
        self.credentials = SyncCredentials(audience=None, env={})
        self.register_outputs({"principal": self.principal})


class GcpRegistrySyncWriter(pulumi.ComponentResource):
    principal: pulumi.Output[str]
    credentials: SyncCredentials

    def __init__(
        self,
        name: str,
        args: RegistrySyncWriterArgs,
        target: CloudTarget,
        context: PlatformContext,
        bucket: GcpModelBucket,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:gcp:RegistrySyncWriter", name, None, opts)
        who = subject(args.namespace)
        pool = gcp.iam.WorkloadIdentityPool(
            name,
            workload_identity_pool_id=compact_name(name, 32),
            display_name=f"mlfleet sync from {args.source_cloud}"[:32],
            project=target.project,
            opts=target.opts(self),
        )
        provider = gcp.iam.WorkloadIdentityPoolProvider(
            name,
            workload_identity_pool_id=pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=compact_name(f"{args.source_cloud}-cluster", 32),
            project=target.project,
            attribute_mapping={"google.subject": "assertion.sub"},
            attribute_condition=f'assertion.sub == "{who}"',
            oidc=gcp.iam.WorkloadIdentityPoolProviderOidcArgs(issuer_uri=args.source_issuer),
            opts=target.opts(self),
        )
        # google.subject is the token's `sub`: this one Kubernetes service account, nothing else.
        display = f"mlfleet registry sync from {args.source_cloud} ({who})"
        account = pool_subject_account(name, display, pool.name, who, target, self)
        grant_prefix(name, account.email, bucket, target, self)
        audience = pulumi.Output.concat("//iam.googleapis.com/", provider.name)
        self.principal = account.email
        self.credentials = SyncCredentials(
            audience=audience,
            env={CONFIG_ENV: CONFIG_DIR},
            files={
                CREDENTIALS_FILE: pulumi.Output.all(audience, account.email).apply(
                    lambda parts: external_account(parts[0], parts[1])
                )
            },
        )
        self.register_outputs({"principal": self.principal})
