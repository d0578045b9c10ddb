"""IAM/bucket policy documents as JSON Outputs (plain dicts: the engine sees the final JSON string)."""

from __future__ import annotations

from typing import Any

import pulumi

Statement = dict[str, Any]


def document(*statements: Statement) -> pulumi.Output[str]:
    """A policy document; Outputs inside the statements are resolved."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def deny_insecure_transport(bucket_arn: pulumi.Input[str]) -> Statement:
    """Refuse every request that does not use TLS (aws:SecureTransport false -> Deny)."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def read_prefix(bucket_arn: pulumi.Input[str], prefix: str, sid: str) -> list[Statement]:
    """List and read objects under `prefix/` only."""
    return [
        {
            "Sid": f"{sid}List",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{prefix}/*", prefix]}},
        },
        {
            "Sid": f"{sid}Read",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": pulumi.Output.concat(bucket_arn, f"/{prefix}/*"),
        },
    ]


def write_prefix(bucket_arn: pulumi.Input[str], prefix: str, sid: str) -> Statement:
    """Write objects under `prefix/` (no delete: published versions are immutable)."""
    return {
        "Sid": f"{sid}Write",
        "Effect": "Allow",
        "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
        "Resource": pulumi.Output.concat(bucket_arn, f"/{prefix}/*"),
    }


def use_key(key_arn: pulumi.Input[str], sid: str, write: bool) -> Statement:
    """Decrypt with the bucket's KMS key, and (writers) generate data keys with it."""
    actions = ["kms:Decrypt", "kms:DescribeKey"] + (["kms:GenerateDataKey", "kms:Encrypt"] if write else [])
    return {"Sid": f"{sid}Key", "Effect": "Allow", "Action": actions, "Resource": key_arn}
