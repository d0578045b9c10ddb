"""AWS Identities: one IAM role per workload (IRSA, or EKS Pod Identity before a cluster exists)
and a GitHub Actions OIDC deployer role.

Trust choice: with the cluster's OIDC provider (`oidc_provider_arn` + `oidc_issuer_url`) each role
trusts exactly `system:serviceaccount:<ns>:<ksa>` via IRSA, which the `eks.amazonaws.com/role-arn`
annotation selects. Without a cluster the roles trust the EKS Pod Identity agent
(`pods.eks.amazonaws.com`); the cluster block then binds each role to its service account with an
`aws.eks.PodIdentityAssociation`, and the service account carries no IRSA annotation: EKS's pod
identity webhook would inject a web-identity token for it, which the AWS SDKs try before Pod
Identity's container credentials (botocore's chain: assume-role-with-web-identity precedes
container-role), and the role does not trust that token. Found by `mlfleet rehearse`.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import pulumi
import pulumi_aws as aws

from components import deployer_types
from components.aws import deployer_permissions
from components.aws.model_bucket import AwsModelBucket
from components.aws.policy_documents import Statement, document, read_prefix, use_key, write_prefix
from components.aws.signing_key import role_name
from components.context import PlatformContext
from components.identities import (
    ALIAS_WRITER,
    GITHUB_ISSUER,
    GithubDeployer,
    IdentitiesArgs,
    ReleaseIdentity,
    WorkloadIdentity,
)
from components.model_bucket import RegistryLocation
from components.target import CloudTarget

ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"


def irsa_trust(provider_arn: pulumi.Input[str], issuer_url: pulumi.Input[str], subject: str) -> Statement:
    """Trust one Kubernetes service account of the cluster whose OIDC issuer is `issuer_url`."""
    host = pulumi.Output.from_input(issuer_url).apply(lambda url: url.removeprefix("https://"))
    return {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": host.apply(lambda h: {f"{h}:sub": subject, f"{h}:aud": "sts.amazonaws.com"})
        },
    }


POD_IDENTITY_TRUST: Statement = {
    "Effect": "Allow",
    "Principal": {"Service": "pods.eks.amazonaws.com"},
    "Action": ["sts:AssumeRole", "sts:TagSession"],
}


def workload_statements(
    workload: str, bucket: AwsModelBucket, destinations: Sequence[RegistryLocation]
) -> list[Statement]:
    """Least privilege on the registry prefix: trainer read+write, serving read, sync read+write elsewhere."""
    sid = workload.replace("-", "").title()
    prefix = bucket.prefix
    statements = [*read_prefix(bucket.bucket_arn, prefix, sid), use_key(bucket.key_arn, sid, write=False)]
    if workload == "trainer":
        statements += [write_prefix(bucket.bucket_arn, prefix, sid), use_key(bucket.key_arn, f"{sid}W", True)]
    if workload == "registry-sync":
        for index, dest in enumerate(destinations):
            dsid = f"{sid}Dest{index}"
            dest_arn = pulumi.Output.concat("arn:aws:s3:::", dest.bucket)
            assert dest.key_id is not None  # RegistryLocation requires it on AWS
            statements += [
                *read_prefix(dest_arn, dest.prefix, dsid),
                write_prefix(dest_arn, dest.prefix, dsid),
                use_key(dest.key_id, dsid, write=True),
            ]
    return statements


class AwsIdentities(pulumi.ComponentResource):
    workloads: dict[str, WorkloadIdentity]
    deployer: pulumi.Output[str] | None
    drift_reader: pulumi.Output[str] | None
    release: ReleaseIdentity | None

    def __init__(
        self,
        name: str,
        args: IdentitiesArgs,
        target: CloudTarget,
        context: PlatformContext,
        bucket: AwsModelBucket,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:aws:Identities", name, None, opts)
        destinations = args.sync_destinations
        self.workloads = {}
        for workload in ("trainer", "serving", "registry-sync"):
            subject = f"system:serviceaccount:{args.namespace}:{workload}"
            irsa = args.oidc_provider_arn is not None and args.oidc_issuer_url is not None
            if irsa:
                trust = irsa_trust(args.oidc_provider_arn, args.oidc_issuer_url, subject)  # type: ignore[arg-type]
            else:
                trust = POD_IDENTITY_TRUST
            role = aws.iam.Role(
                f"{name}-{workload}",
                name=f"{name}-{workload}",
                description=f"mlfleet workload identity for {subject}",
                assume_role_policy=document(trust),
                tags=context.tags(),
                opts=target.opts(self),
            )
            aws.iam.RolePolicy(
                f"{name}-{workload}",
                role=role.id,
                policy=document(*workload_statements(workload, bucket, destinations)),
                opts=target.opts(self),
            )
            self.workloads[workload] = WorkloadIdentity(
                workload, args.namespace, role.arn, {ROLE_ARN_ANNOTATION: role.arn} if irsa else {}
            )
        self.deployer = self.drift_reader = self.release = None
        if args.github is not None:
            self.deployer, self.drift_reader = self._deployer(name, args.github, target, context)
            # The alias writer's registry statements (bucket prefix read+write, bucket key) on the
            # deployer role, inline: its managed policies are the type table's, nothing else.
            aws.iam.RolePolicy(
                f"{name}-deployer-registry",
                role=self.deployer.apply(role_name),
                policy=document(*workload_statements(ALIAS_WRITER, bucket, ())),
                opts=target.opts(self),
            )
            self.release = ReleaseIdentity(self.deployer)
        outputs: dict[str, Any] = {w: i.principal for w, i in self.workloads.items()}
        self.register_outputs(
            {"workloads": outputs, "deployer": self.deployer, "driftReader": self.drift_reader}
        )

    def _deployer(
        self, name: str, github: GithubDeployer, target: CloudTarget, context: PlatformContext
    ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """GitHub Actions OIDC provider, the deployer role (one repo on one branch/environment) and the
        drift workflow's read-only role; both policies generated from the type table."""
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-github",
            url=GITHUB_ISSUER,
            client_id_lists=["sts.amazonaws.com"],
            tags=context.tags(),
            opts=target.opts(self),
        )
        deployer = self._github_role(
            f"{name}-deployer",
            f"mlfleet CI deployer for {github.subject}",
            oidc.arn,
            github.subject,
            False,
            target,
            context,
        )
        reader = self._github_role(
            f"{name}-drift",
            f"mlfleet drift detection (read-only) for {github.drift_subject}",
            oidc.arn,
            github.drift_subject,
            True,
            target,
            context,
        )
        return deployer, reader

    @staticmethod
    def _policies(prefix: str, read_only: bool) -> pulumi.Output[dict[str, str]]:
        """The managed policy documents (slot -> JSON) for the AWS (and Kubernetes) types this stack
        registers, from the type table."""
        return pulumi.Output.from_input(
            deployer_types.derived(
                lambda types: deployer_permissions.policies(prefix, types, read_only), "aws:", "kubernetes:"
            )
        )

    def _github_role(
        self,
        name: str,
        description: str,
        oidc_arn: pulumi.Output[str],
        subject: str,
        read_only: bool,
        target: CloudTarget,
        context: PlatformContext,
    ) -> pulumi.Output[str]:
        """A role only GitHub Actions jobs with OIDC subject `subject` assume, with the table's
        permissions in customer managed policies (one per deployer_permissions.SLOTS entry; managed,
        not inline: the whole table outgrew IAM's 10,240-character inline limit per role)."""
        host = GITHUB_ISSUER.removeprefix("https://")
        trust = {
            "Effect": "Allow",
            "Principal": {"Federated": oidc_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{host}:aud": "sts.amazonaws.com", f"{host}:sub": subject}},
        }
        role = aws.iam.Role(
            name,
            name=name,
            description=description,
            assume_role_policy=document(trust),
            max_session_duration=3600,
            tags=context.tags(),
            opts=target.opts(self),
        )
        # Stacks from before the managed policies: their inline RolePolicy `name` is no longer in the
        # program, so Pulumi deletes it after these are created and attached (removed resources are
        # deleted at the end of the update: pulumi/pulumi pkg/resource/deploy/step_generator.go
        # GenerateDeletes); the role itself is unchanged (docs/delivery.md: one admin-run up).
        deployer_permissions.check_prefix(context.prefix)
        documents = self._policies(context.prefix, read_only)
        for slot in deployer_permissions.SLOTS:
            policy = aws.iam.Policy(
                f"{name}-{slot}",
                name=f"{name}-{slot}",
                description=f"mlfleet {'drift reader' if read_only else 'CI deployer'} permissions: {slot}",
                policy=documents.apply(itemgetter(slot)),
                tags=context.tags(),
                opts=target.opts(self),
            )
            aws.iam.RolePolicyAttachment(
                f"{name}-{slot}", role=role.name, policy_arn=policy.arn, opts=target.opts(self)
            )
        return role.arn
