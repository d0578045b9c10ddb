"""Every S3 bucket has a bucket policy that denies requests without TLS (aws:SecureTransport false)."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.iam_documents import statements
from mlfleet_policies.props import get
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex


def denies_plain_http(document: Any) -> bool:
    for s in statements(document):
        secure = get(s, "Condition.Bool.aws:SecureTransport")
        if s.get("Effect") == "Deny" and str(secure).lower() == "false":
            return True
    return False


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    policies = index.of_type("aws:s3/bucketPolicy:BucketPolicy")
    for bucket in index.of_type("aws:s3/bucket:Bucket"):
        mine = [p for p in policies if index.refers_to(p, "bucket", bucket)]
        if not any(denies_plain_http(get(p.props, "policy")) for p in mine):
            yield f"bucket {bucket.name} has no policy denying aws:SecureTransport=false", bucket.urn


RULE = stack_rule(
    RuleMeta(
        id="aws-s3-tls-only",
        description="S3 buckets must deny requests that do not use TLS.",
        severity=Severity.HIGH,
        remediation=(
            'Attach a BucketPolicy with a Deny statement for "s3:*" under Condition Bool '
            'aws:SecureTransport "false".'
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr"),
        topics=("aws", "s3", "storage", "tls"),
        assumes="outputs",
    ),
    check,
)
