"""AWS SigningKey: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) with an alias, and one inline
role policy per workload scoped to the key's ARN: kms:Sign + kms:GetPublicKey for signers,
kms:GetPublicKey for verifiers.

Facts (AWS KMS API Reference): Sign needs kms:Sign on a SIGN_VERIFY key, GetPublicKey needs
kms:GetPublicKey; automatic rotation exists only for symmetric encryption keys (EnableKeyRotation:
"You cannot enable automatic rotation of asymmetric KMS keys"), so this key does not rotate: a new
key is added to MLFLEET_VERIFY_KEYS beside the old one (docs/registry.md).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws.policy_documents import document
from components.context import PlatformContext
from components.identities import Identities
from components.signing_key import SIGNERS, SigningKeyArgs
from components.target import CloudTarget

SIGN_ACTIONS = ["kms:Sign", "kms:GetPublicKey"]
VERIFY_ACTIONS = ["kms:GetPublicKey"]


def role_name(role_arn: str) -> str:
    """arn:aws:iam::<account>:role[/path]/<name> -> <name> (the workload roles have no path)."""
    return role_arn.rsplit("/", 1)[-1]


class AwsSigningKey(pulumi.ComponentResource):
    key_uri: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: SigningKeyArgs,
        target: CloudTarget,
        context: PlatformContext,
        identities: Identities,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:aws:SigningKey", name, None, opts)
        key = aws.kms.Key(
            name,
            description=f"{name}: signs mlfleet model registry versions (ECDSA P-256)",
            customer_master_key_spec="ECC_NIST_P256",
            key_usage="SIGN_VERIFY",
            enable_key_rotation=False,
            deletion_window_in_days=args.deletion_window_days,
            tags=context.tags(),
            opts=target.opts(self, protect=args.protect, retain_on_delete=args.protect),
        )
        aws.kms.Alias(name, name=f"alias/{name}", target_key_id=key.key_id, opts=target.opts(self))
        for workload, identity in identities.workloads.items():
            actions = SIGN_ACTIONS if workload in SIGNERS else VERIFY_ACTIONS
            aws.iam.RolePolicy(
                f"{name}-{workload}",
                role=identity.principal.apply(role_name),
                policy=document(
                    {
                        "Sid": "RegistrySigning" if workload in SIGNERS else "RegistryVerifying",
                        "Effect": "Allow",
                        "Action": actions,
                        "Resource": key.arn,
                    }
                ),
                opts=target.opts(self),
            )
        if identities.release is not None:
            # model-release.yml's alias moves: sign with the key, read its public key to verify.
            aws.iam.RolePolicy(
                f"{name}-release",
                role=identities.release.principal.apply(role_name),
                policy=document(
                    {"Sid": "ReleaseSigning", "Effect": "Allow", "Action": SIGN_ACTIONS, "Resource": key.arn}
                ),
                opts=target.opts(self),
            )
        self.key_arn = key.arn
        self.key_uri = key.arn.apply(lambda arn: f"awskms:///{arn}")
        self.register_outputs({"key_uri": self.key_uri, "key_arn": self.key_arn})
