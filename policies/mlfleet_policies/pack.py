"""The pack's rule list (explicit imports: the pack starts fast and a missing rule is an import error)."""

from __future__ import annotations

from importlib import import_module

from pulumi_policy import EnforcementLevel, PolicyPack

from mlfleet_policies.rule import Rule

PACK_NAME = "mlfleet-policies"

RULE_MODULES = [
    "aws.s3.public_access_block",
    "aws.s3.encryption",
    "aws.s3.versioning",
    "aws.s3.access_logging",
    "aws.s3.tls_only",
    "aws.kms.key_rotation",
    "aws.ecr.immutable_tags",
    "aws.ecr.scan_on_push",
    "aws.ecr.private_repository",
    "aws.iam.no_wildcard_actions",
    "aws.iam.no_wildcard_resources",
    "aws.iam.no_admin_attachments",
    "aws.iam.no_access_keys",
    "aws.iam.oidc_trust_conditions",
    "aws.eks.private_endpoint",
    "aws.eks.secrets_encryption",
    "aws.eks.control_plane_logging",
    "aws.ec2.imdsv2",
    "aws.ec2.security_group_ingress",
]


def all_rules() -> list[Rule]:
    return [import_module(f"mlfleet_policies.{name}").RULE for name in RULE_MODULES]


def build_pack() -> None:
    """Start the analyzer server (prints its port, never returns): the pack's __main__ calls this."""
    PolicyPack(
        name=PACK_NAME,
        policies=[rule.policy for rule in all_rules()],
        enforcement_level=EnforcementLevel.ADVISORY,
        description="mlfleet compliance: AWS, GCP, Azure, Kubernetes and stack-wide MLOps rules.",
    )
