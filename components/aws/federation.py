"""AWS destination of a cross-cloud registry sync: an IAM role that a pod of another cloud's cluster
assumes with its projected service-account token (sts:AssumeRoleWithWebIdentity), trusting that
cluster's OIDC issuer through an IAM OIDC provider, for exactly `system:serviceaccount:<ns>:registry-sync`.

The pattern GKE-on-AWS documents for workload identity (an IAM OIDC provider for the cluster's issuer,
client id sts.amazonaws.com, a role trusting `<issuer host>:sub` and `:aud`): cloud.google.com
kubernetes-engine/multi-cloud/docs/aws/how-to/use-workload-identity-aws. GKE's issuer
(https://container.googleapis.com/v1/projects/<p>/locations/<l>/clusters/<c>) and AKS's are public.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws.identities import irsa_trust
from components.aws.model_bucket import AwsModelBucket
from components.aws.policy_documents import document, read_prefix, use_key, write_prefix
from components.context import PlatformContext
from components.registry_sync import RegistrySyncWriterArgs, SyncCredentials, subject, token_path
from components.target import CloudTarget

STS_AUDIENCE = "sts.amazonaws.com"


def destination_policy(bucket: AwsModelBucket) -> pulumi.Output[str]:
    """Read and write this registry's prefix only, and the bucket key for SSE-KMS writes."""
    return document(
        *read_prefix(bucket.bucket_arn, bucket.prefix, "SyncDest"),
        write_prefix(bucket.bucket_arn, bucket.prefix, "SyncDest"),
        use_key(bucket.key_arn, "SyncDest", write=True),
    )


class AwsRegistrySyncGrant(pulumi.ComponentResource):
    """A destination in another AWS region: the primary's `registry-sync` role itself may write there."""

    principal: pulumi.Output[str]
    credentials: SyncCredentials

    def __init__(
        self,
        name: str,
        source_role_arn: pulumi.Input[str],
        target: CloudTarget,
        bucket: AwsModelBucket,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:aws:RegistrySyncGrant", name, None, opts)
        self.principal = pulumi.Output.from_input(source_role_arn)
        role_name = self.principal.apply(lambda arn: arn.rsplit("/", 1)[-1])
        aws.iam.RolePolicy(name, role=role_name, policy=destination_policy(bucket), opts=target.opts(self))
        self.credentials = SyncCredentials(audience=None, env={})
        self.register_outputs({"principal": self.principal})


class AwsRegistrySyncWriter(pulumi.ComponentResource):
    principal: pulumi.Output[str]
    credentials: SyncCredentials

    def __init__(
        self,
        name: str,
        args: RegistrySyncWriterArgs,
        target: CloudTarget,
        context: PlatformContext,
        bucket: AwsModelBucket,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:aws:RegistrySyncWriter", name, None, opts)
        provider_arn = args.aws_oidc_provider_arn
        if provider_arn is None:
            provider_arn = aws.iam.OpenIdConnectProvider(
                name,
                url=args.source_issuer,
                client_id_lists=[STS_AUDIENCE],
                tags=context.tags(),
                opts=target.opts(self),
            ).arn
        who = subject(args.namespace)
        role = aws.iam.Role(
            name,
            name=name,
            description=f"mlfleet registry sync from the {args.source_cloud} cell's {who}",
            # StringEquals on <issuer host>:sub and :aud = sts.amazonaws.com (the IRSA trust).
            assume_role_policy=document(irsa_trust(provider_arn, args.source_issuer, who)),
            max_session_duration=3600,
            tags=context.tags(),
            opts=target.opts(self),
        )
        aws.iam.RolePolicy(name, role=role.id, policy=destination_policy(bucket), opts=target.opts(self))
        self.principal = role.arn
        # botocore's AssumeRoleWithWebIdentity provider reads AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE
        # and AWS_ROLE_SESSION_NAME; the region from AWS_DEFAULT_REGION (botocore 1.43.117
        # credentials.py AssumeRoleWithWebIdentityProvider, configprovider.py 'region').
        self.credentials = SyncCredentials(
            audience=STS_AUDIENCE,
            env={
                "AWS_ROLE_ARN": role.arn,
                "AWS_WEB_IDENTITY_TOKEN_FILE": token_path(),
                "AWS_ROLE_SESSION_NAME": "mlfleet-registry-sync",
                "AWS_DEFAULT_REGION": target.region,
            },
        )
        self.register_outputs({"principal": self.principal})
